using AngleSharp.Dom;
using Bunit;
using Dispatch.Server.Components.Dispatching;
using Microsoft.AspNetCore.Components;

namespace Dispatch.Components.Tests.Infrastructure;

/// <summary>Acting on a board row as the browser does.</summary>
public static class BoardRows
{
    /// <summary>
    /// A click on the row <paramref name="selector"/> finds once it is shown: the browser's script reports it as
    /// "rowopen" on the row's table, with the row's id (a row is shared HTML without a handler of its own). Found and
    /// raised in one dispatch, so a push between the two cannot swap the table's handler. Returns once the board has
    /// handled it, as bUnit's own Click does.
    /// </summary>
    public static void ClickRow<T>(this IRenderedComponent<T> cut, string selector, TimeSpan wait) where T : IComponent
    {
        cut.WaitForElement(selector, wait);
        cut.InvokeAsync(() =>
        {
            var row = cut.Find(selector);
            var table = row.Closest("table") ?? throw new InvalidOperationException($"{selector} is not in a table");
            return table.TriggerEventAsync("onrowopen", new RowOpenEventArgs { Id = row.GetAttribute("data-id") });
        }).GetAwaiter().GetResult();
    }
}
