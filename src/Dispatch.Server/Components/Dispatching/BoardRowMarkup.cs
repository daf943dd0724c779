using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dispatch.Domain.Command;
using Dispatch.Server.Incidents;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// The cells of a board row (<see cref="BoardRowCells"/>) as HTML, once per card version, language and the state the
/// deadline is first painted in, on the node. Each circuit's row then holds one markup frame for all of its cells instead
/// of their frames, attribute strings and the unit-chip and assisting-department components: the render trees were the
/// largest part of a board circuit (docs/benchmarks.md, "Connections and circuits"). Cards are immutable and shared per
/// node (<see cref="OpenIncidents"/>), so a card's markup lives exactly as long as the card: a new version is a new
/// record, and the old one's markup goes with it. A card has at most three deadline states (on time, warning, overdue),
/// and the browser ticks the deadline and the ages from the first paint on (wwwroot/js/dispatch.js).
/// </summary>
public sealed class BoardRowMarkup(IServiceProvider services)
{
    readonly ConditionalWeakTable<IncidentCard, ConcurrentDictionary<(string Culture, DeadlineState Deadline), MarkupString>> _cells = new();

    /// <summary>The row's cells as painted at <paramref name="at"/> (now, or the past moment a past board shows).</summary>
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
