using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Components;

namespace Dispatch.Server.Components.Layout;

/// <summary>
/// The app bar's links as HTML shared by every console on the node: what MudButton draws for a text link with a start
/// icon, without a MudButton and a MudIcon component per link in every circuit (a dozen links were two dozen components
/// in each console's circuit: docs/benchmarks.md, "Connections and circuits"). A link is plain navigation, so it needs
/// nothing from the circuit.
/// </summary>
public static class AppBarLinks
{
    static readonly ConcurrentDictionary<(string Href, string Icon, string Text, string? TestId), MarkupString> Made = new();

    /// <summary>The link to <paramref name="href"/> with its icon (an SVG path, e.g. from MudBlazor's Icons) and text.</summary>
    public static MarkupString Link(string href, string icon, string text, string? testId = null) =>
        Made.GetOrAdd((href, icon, text, testId), static k => new MarkupString(
            $"<a class=\"{Classes}\"{(k.TestId is null ? "" : $" data-testid=\"{WebUtility.HtmlEncode(k.TestId)}\"")} href=\"{WebUtility.HtmlEncode(k.Href)}\">" +
            $"<span class=\"mud-button-label\">{Icon(k.Icon)}{WebUtility.HtmlEncode(k.Text)}</span></a>"));

    /// <summary>The classes of such a link (for one drawn in the layout itself, with a live part inside).</summary>
    public const string Classes = "mud-button-root mud-button mud-button-text mud-button-text-inherit mud-button-text-size-medium";

    /// <summary>The link's start icon.</summary>
    public static MarkupString Icon(string icon) => new(
        "<span class=\"mud-button-icon-start mud-button-icon-size-medium\"><svg class=\"mud-icon-root mud-svg-icon mud-icon-size-medium\" " +
        $"focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" role=\"img\">{icon}</svg></span>");
}
