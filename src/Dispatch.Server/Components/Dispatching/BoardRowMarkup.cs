using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using Dispatch.Domain.Command;
using Dispatch.Server.Incidents;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// A board row — its <c>tr</c> and its cells (<see cref="BoardRowCells"/>) — as HTML, once per card version, language,
/// the state the deadline is first painted in, and whether the row is selected or highlighted as new, on the node. Each
/// circuit's board then holds two frames a row (a keyed <c>tbody</c> and this markup) instead of a row component with its
/// own render trees, attribute frames and click handler, and no unit-chip or assisting-department components: the render
/// trees were the largest part of a board circuit (docs/benchmarks.md, "Connections and circuits"). A click on a row
/// reaches the board as <c>rowopen</c> on its table (wwwroot/js/dispatch.js), so the markup needs no handler.
/// Cards are immutable and shared per node (<see cref="OpenIncidents"/>), so a card's markup lives exactly as long as the
/// card: a new version is a new record, and the old one's markup goes with it. A card has at most three deadline states
/// (on time, warning, overdue), and the browser ticks the deadline and the ages from the first paint on.
/// </summary>
public sealed class BoardRowMarkup(IServiceProvider services)
{
    readonly ConditionalWeakTable<IncidentCard, ConcurrentDictionary<(string Culture, DeadlineState Deadline), MarkupString>> _cells = new();
    readonly ConditionalWeakTable<IncidentCard, ConcurrentDictionary<(string Culture, DeadlineState Deadline, bool Selected, bool Fresh), MarkupString>> _rows = new();

    /// <summary>
    /// The whole row as painted at <paramref name="at"/> (now, or the past moment a past board shows): selected (the row
    /// the board's keys stand on, or the open incident) and fresh (new or returned, not opened yet: issue 19).
    /// </summary>
    public MarkupString Row(IncidentCard card, bool selected, bool fresh, DateTimeOffset at)
    {
        var culture = CultureInfo.CurrentUICulture;
        var key = (culture.Name, DeadlineOf(card, at), selected, fresh);
        var variants = _rows.GetValue(card, _ => new());
        if (variants.TryGetValue(key, out var cached)) return cached;
        var html = new StringBuilder(2048)
            .Append("<tr data-testid=\"board-row\" data-number=\"").Append(HtmlEncoder.Default.Encode(card.Number))
            .Append("\" data-id=\"").Append(card.Id.ToString())
            .Append("\" data-state=\"").Append(card.State.ToString())
            .Append("\" data-urgency=\"").Append(((int)card.Urgency).ToString(CultureInfo.InvariantCulture))
            .Append("\" data-version=\"").Append(card.Version.ToString(CultureInfo.InvariantCulture))
            .Append("\" class=\"board-row").Append(selected ? " selected" : "").Append(fresh ? " fresh" : "")
            .Append("\" tabindex=\"0\" data-row-nav aria-selected=\"").Append(selected ? "true" : "false").Append('"')
            .Append(fresh ? " data-fresh=\"true\">" : ">")
            .Append(Cells(card, at).Value)
            .Append("</tr>")
            .ToString();
        return variants.GetOrAdd(key, new MarkupString(html));
    }

    /// <summary>The row's cells as painted at <paramref name="at"/>.</summary>
    public MarkupString Cells(IncidentCard card, DateTimeOffset at)
    {
        var culture = CultureInfo.CurrentUICulture;
        var key = (culture.Name, DeadlineOf(card, at));
        var variants = _cells.GetValue(card, _ => new());
        if (variants.TryGetValue(key, out var cached)) return cached;
        var html = Render(card, at, culture);
        return variants.GetOrAdd(key, html);
    }

    // What the deadline cell shows depends on the time only through this state (DeadlineLeft).
    static DeadlineState DeadlineOf(IncidentCard card, DateTimeOffset at) =>
        card.DeadlineDue is { } due ? DeadlineClock.StateAt(card.DeadlineFrom ?? due, due, at) : DeadlineState.None;

    // A renderer per call: an HtmlRenderer keeps every root component it rendered until it is disposed. Runs on the
    // renderer's own dispatcher (inline when it is free, as it is for a new one).
    MarkupString Render(IncidentCard card, DateTimeOffset at, CultureInfo culture)
    {
        // A scope of its own: the renderer resolves scoped framework services (cascading values).
        using var scope = services.CreateScope();
        var renderer = new HtmlRenderer(scope.ServiceProvider, services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
        try
        {
            return renderer.Dispatcher.InvokeAsync(async () =>
            {
                CultureInfo.CurrentUICulture = culture;
                var root = await renderer.RenderComponentAsync<BoardRowCells>(
                    ParameterView.FromDictionary(new Dictionary<string, object?>
                    {
                        [nameof(BoardRowCells.Card)] = card,
                        [nameof(BoardRowCells.PaintedAt)] = at,
                    }));
                return new MarkupString(root.ToHtmlString());
            }).GetAwaiter().GetResult();
        }
        finally
        {
            renderer.Dispose();
        }
    }
}
