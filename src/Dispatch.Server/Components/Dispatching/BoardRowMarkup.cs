using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Dispatch.Server.Incidents;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// The static cells of a board row (<see cref="BoardRowCells"/>) as HTML, once per card version and language on the node.
/// Each circuit's row then holds one markup frame for them instead of some 80 frames and their attribute strings: the
/// render trees were the largest part of a board circuit (docs/benchmarks.md, "Connections and circuits"). Cards are
/// immutable and shared per node (<see cref="OpenIncidents"/>), so a card's markup lives exactly as long as the card:
/// a new version is a new record, and the old one's markup goes with it.
/// </summary>
public sealed class BoardRowMarkup(IServiceProvider services)
{
    readonly ConditionalWeakTable<IncidentCard, ConcurrentDictionary<string, MarkupString>> _cells = new();

    public MarkupString Cells(IncidentCard card)
    {
        var culture = CultureInfo.CurrentUICulture;
        var byCulture = _cells.GetValue(card, _ => new ConcurrentDictionary<string, MarkupString>());
        if (byCulture.TryGetValue(culture.Name, out var cached)) return cached;
        var html = Render(card, culture);
        return byCulture.GetOrAdd(culture.Name, html);
    }

    // A renderer per call: an HtmlRenderer keeps every root component it rendered until it is disposed. Runs on the
    // renderer's own dispatcher (inline when it is free, as it is for a new one).
    MarkupString Render(IncidentCard card, CultureInfo culture)
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
                    ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(BoardRowCells.Card)] = card }));
                return new MarkupString(root.ToHtmlString());
            }).GetAwaiter().GetResult();
        }
        finally
        {
            renderer.Dispose();
        }
    }
}
