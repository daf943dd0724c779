using Dispatch.Server.Incidents;
using Microsoft.AspNetCore.Components;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// A key pressed on the board (not in a field, a list or the open drawer), as wwwroot/js/dispatch.js names it: "next"
/// (↓ or j), "prev" (↑ or k), "open" (Enter) or "waiting" (n: the next incident waiting for this dispatcher). Only these
/// keys travel to the server. <see cref="Id"/> is the row that has the focus, if one has.
/// </summary>
public sealed class BoardKeyEventArgs : EventArgs
{
    public string Key { get; set; } = "";
    public string? Id { get; set; }

    public Guid? Row => Guid.TryParse(Id, out var id) ? id : null;
}

/// <summary>
/// A click on a board table (wwwroot/js/dispatch.js: "rowopen"), with the row it fell on, if any. One listener on the
/// table instead of one per row: a row is shared HTML (<see cref="BoardRowMarkup"/>), which carries no handler.
/// </summary>
public sealed class RowOpenEventArgs : EventArgs
{
    public string? Id { get; set; }

    public Guid? Row => Guid.TryParse(Id, out var id) ? id : null;
}

/// <summary>Tells the Razor compiler about <c>@onboardkey</c> and <c>@onrowopen</c> (it looks for this class name: another name is not found).</summary>
[EventHandler("onboardkey", typeof(BoardKeyEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
[EventHandler("onrowopen", typeof(RowOpenEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
public static class EventHandlers { }

/// <summary>The board's selection: the row the keys move over (a list, so moving past either end stays there).</summary>
public static class BoardCursor
{
    /// <summary>
    /// The row <paramref name="step"/> rows from <paramref name="from"/> in <paramref name="view"/>; from nowhere (or a row
    /// no longer shown), down starts at the top and up at the bottom.
    /// </summary>
    public static IncidentCard? Move(IReadOnlyList<IncidentCard> view, Guid? from, int step)
    {
        if (view.Count == 0) return null;
        var at = -1;
        if (from is { } id)
            for (var i = 0; i < view.Count; i++)
                if (view[i].Id == id) { at = i; break; }
        if (at < 0) return step >= 0 ? view[0] : view[^1];
        return view[Math.Clamp(at + step, 0, view.Count - 1)];
    }
}
