using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>The board's category and urgency pickers: a choice narrows the rows and the shown count; "all" brings them back.</summary>
public sealed class BoardPickerTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    static string Row(string number) => $"[data-testid=board-row][data-number='{number}']";

    [Fact]
    public async Task Given_a_board_with_a_gas_leak_and_a_road_When_gas_leaks_are_picked_Then_only_the_gas_leak_stays_and_all_brings_the_road_back()
    {
        var gas = await App.Report(Calls.Form(category: "gas-leak", urgency: 4));
        var road = await App.Report(Calls.Form(category: "road-damage", urgency: 2));
        var cut = Ctx.RenderWithPopovers<Dispatch.Server.Components.Pages.Board>();
        cut.WaitForElement(Row(gas.Number), Waits.Push);
        cut.WaitForElement(Row(road.Number), Waits.Push);

        await cut.InvokeAsync(() => cut.Find("[data-testid=board-category]").Change("gas-leak"));

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll(Row(road.Number)));
            Assert.Single(cut.FindAll(Row(gas.Number)));
            Assert.All(cut.FindAll("[data-testid=board-row]"), r => Assert.Contains("Gas leak", r.TextContent));
            Assert.Equal("gas-leak", cut.Find("[data-testid=board-category]").GetAttribute("value"));
        }, Waits.Push);

        await cut.InvokeAsync(() => cut.Find("[data-testid=board-category]").Change(""));

        cut.WaitForElement(Row(road.Number), Waits.Push);
        Assert.Equal("", cut.Find("[data-testid=board-category]").GetAttribute("value"));
    }

    [Fact]
    public async Task Given_a_board_When_urgency_4_is_picked_Then_only_urgency_4_rows_stay_and_the_count_says_so()
    {
        var urgent = await App.Report(Calls.Form(urgency: 4));
        var routine = await App.Report(Calls.Form(urgency: 1));
        var cut = Ctx.RenderWithPopovers<Dispatch.Server.Components.Pages.Board>();
        cut.WaitForElement(Row(routine.Number), Waits.Push);

        await cut.InvokeAsync(() => cut.Find("[data-testid=board-urgency]").Change("4"));

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll(Row(routine.Number)));
            Assert.Single(cut.FindAll(Row(urgent.Number)));
            Assert.All(cut.FindAll("[data-testid=board-row]"), r => Assert.Equal("4", r.GetAttribute("data-urgency")));
            Assert.NotNull(cut.Find("[data-testid=board-count]").ParentElement!.QuerySelector(".mud-text-secondary"));
        }, Waits.Push);

        // Something no urgency has is no filter at all (hostile input from the page: nothing breaks).
        await cut.InvokeAsync(() => cut.Find("[data-testid=board-urgency]").Change("9"));
        cut.WaitForElement(Row(routine.Number), Waits.Push);
    }
}
