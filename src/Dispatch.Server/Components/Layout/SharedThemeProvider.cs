using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.RenderTree;
using MudBlazor;

namespace Dispatch.Server.Components.Layout;

/// <summary>
/// MudBlazor's theme provider, with its style text shared by every circuit on the node. MudThemeProvider builds the
/// theme's CSS (about 24 KB) into a new string on every render, and each circuit's current and previous render trees
/// held one: about 50 KB of every console circuit (docs/benchmarks.md, "Connections and circuits"). The text depends
/// only on the theme and light or dark, so the same text is one string here. Rendered by MudThemeProvider itself, so
/// what reaches the page is exactly its markup.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    // The texts seen: light and dark of the one console theme (bounded, should a theme ever vary per user).
    static readonly ConcurrentDictionary<string, string> Texts = new();
    const int MostTexts = 16;

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        using var own = new RenderTreeBuilder();
        base.BuildRenderTree(own);
        var frames = own.GetFrames();
        for (var i = 0; i < frames.Count; i++)
            if (frames.Array[i].FrameType is not (RenderTreeFrameType.Markup or RenderTreeFrameType.Text))
            {
                // Not the plain style blocks this was written for (a new MudBlazor): render it as MudBlazor does.
                base.BuildRenderTree(builder);
                return;
            }
        for (var i = 0; i < frames.Count; i++)
        {
            var frame = frames.Array[i];
            if (frame.FrameType == RenderTreeFrameType.Markup) builder.AddMarkupContent(frame.Sequence, Shared(frame.MarkupContent));
            else builder.AddContent(frame.Sequence, Shared(frame.TextContent));
        }
    }

    static string Shared(string text) =>
        Texts.TryGetValue(text, out var known) ? known : Texts.Count < MostTexts ? Texts.GetOrAdd(text, text) : text;
}
