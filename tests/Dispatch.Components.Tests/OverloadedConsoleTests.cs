using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>Issue 15 part 4: past the centre's capacity the console says so, in words, and keeps what was typed.</summary>
public sealed class OverloadedConsoleTests(TinyGateApp app) : ConsoleTest<TinyGateApp>(app)
{
    [Fact]
    public async Task Given_the_gate_is_full_When_a_call_is_filed_Then_the_form_says_the_centre_is_busy_keeps_the_call_and_nothing_is_written()
    {
        var before = await App.OpenIncidents();
        var cut = Ctx.RenderWithPopovers<Intake>();
        // Find and act in one dispatch: the form renders on its own (the lists' debounced search, the repeat-caller and duplicates lookups).
        await cut.InvokeAsync(() => cut.Find("#intake-category").Input("路灯故障"));
        await cut.InvokeAsync(() => cut.Find("#intake-address").Input("西山区幸福里小区 3 栋"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("小区门口路灯连续三晚不亮。"));

        await using (await GateHold.AllTurns(App, TinyGateApp.Running))
        {
            await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());
            cut.WaitForAssertion(() => Assert.Matches(@"^The centre is busy; nothing was saved\. Try again in \d+ s\.$",
                cut.Find("[data-testid=intake-problem]").TextContent.Trim()));
        }

        Assert.Empty(cut.FindAll("[data-testid=intake-created]"));
        Assert.Equal("西山区幸福里小区 3 栋", cut.Find("#intake-address").GetAttribute("value"));
        Assert.Equal(before, await App.OpenIncidents());
        // The same form, sent again once there is room: filed.
        await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());
        cut.WaitForElement("[data-testid=intake-created]", TimeSpan.FromSeconds(10));
        Assert.Equal(before + 1, await App.OpenIncidents());
    }
}
