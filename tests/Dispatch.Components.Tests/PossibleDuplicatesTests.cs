using System.Globalization;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>
/// Possible duplicates at intake and in the drawer, on the real store: a call about what is already open is offered
/// the open incident, and merged into it with one click.
/// </summary>
public sealed class PossibleDuplicatesTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const double Lat = 31.2304, Lon = 121.4737;

    /// <summary>An incident filed by another call-taker, <paramref name="north"/> metres north of the point.</summary>
    Task<Dispatch.Server.Incidents.CommandOutcome.Done> OpenIncident(string category, double north = 0) =>
        App.Report(Calls.Form(category: category) with { Lat = Lat + north / 111_195, Lon = Lon });

    /// <summary>The intake form with a category (by its English name) and a coordinate pair typed in.</summary>
    async Task<IRenderedComponent<TestHost>> IntakeWith(string category, double lat = Lat, double lon = Lon)
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        // Find and act in one dispatch: the form renders on its own (the lists' debounced search, the duplicates lookup).
        await cut.InvokeAsync(() => cut.Find("#intake-category").Input(category));
        await cut.InvokeAsync(() => cut.Find("#intake-lat").Input(string.Create(CultureInfo.InvariantCulture, $"{lat}, {lon}")));
        return cut;
    }

    [Fact]
    public async Task Given_an_open_incident_nearby_When_the_call_taker_types_its_category_and_place_Then_it_is_offered_with_a_merge_button()
    {
        var open = await OpenIncident("fire-hazard", north: 40);
        var elsewhere = await OpenIncident("fire-hazard", north: 2000);

        var cut = await IntakeWith("Fire hazard");

        var row = cut.WaitForElement($"[data-testid=duplicate-row][data-number='{open.Number}']", Waits.Push);
        Assert.Contains("40 m", row.TextContent);
        Assert.Contains("Reported", row.TextContent); // its state
        Assert.NotNull(row.QuerySelector("[data-testid=duplicate-merge]"));
        Assert.Contains("File and merge", row.QuerySelector("[data-testid=duplicate-merge]")!.TextContent);
        Assert.Empty(cut.FindAll($"[data-testid=duplicate-row][data-number='{elsewhere.Number}']"));
    }

    [Fact]
    public void Given_no_category_yet_Then_no_panel_and_given_nothing_nearby_Then_it_says_so()
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        cut.Find("#intake-lat").Input("31.2304, 121.4737");
        Assert.Empty(cut.FindAll("[data-testid=possible-duplicates]"));

        cut.Find("#intake-category").Input("Elderly assistance");

        cut.WaitForElement("[data-testid=possible-duplicates-none]", Waits.Push);
    }

    [Fact]
    public async Task Given_an_offered_incident_When_file_and_merge_is_clicked_Then_the_call_is_filed_and_its_caller_is_on_the_open_incident()
    {
        var open = await OpenIncident("heating", north: 15);
        var cut = await IntakeWith("Heating");
        await cut.InvokeAsync(() => cut.Find("#intake-phone").Input("13955556666"));
        await cut.InvokeAsync(() => cut.Find("#intake-address").Input("东湖区人民路 130 号"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("暖气不热，楼里好几户都一样。"));

        await cut.WaitForElement($"[data-testid=duplicate-merge][data-number='{open.Number}']", Waits.Push).ClickAsync(new());

        var created = cut.WaitForElement("[data-testid=intake-created]", Waits.Push);
        Assert.Equal(open.Number, created.GetAttribute("data-merged-into"));
        var filed = (await App.Detail(open.Id))!.Callers;
        Assert.Equal(2, filed.Count);
        var merged = filed[1];
        Assert.Equal(("13955556666", "暖气不热，楼里好几户都一样。"), (merged.Phone, merged.Description));
        Assert.Equal(merged.Number, created.GetAttribute("data-number"));
        Assert.Equal(IncidentState.Merged, (await App.Detail(merged.IncidentId))!.State);
        // Ready for the next call: the panel goes with the form.
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=possible-duplicates]")));
    }

    [Fact]
    public async Task Given_a_later_report_in_the_drawer_When_merge_is_clicked_Then_it_is_merged_and_can_be_unmerged()
    {
        var first = await OpenIncident("traffic-signal");
        var later = await OpenIncident("traffic-signal", north: 25);
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.ClickRow($"[data-testid=board-row][data-number='{later.Number}']", Waits.Push);

        await cut.WaitForElement($"[data-testid=incident-drawer] [data-testid=duplicate-merge][data-number='{first.Number}']", Waits.Push)
            .ClickAsync(new());

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("Merged", cut.Find("[data-testid=incident-drawer]").GetAttribute("data-state"));
            Assert.Contains(first.Number, cut.Find("[data-testid=detail-merged-into]").TextContent);
            Assert.Contains(first.Number, cut.Find("[data-testid=merge-outcome]").TextContent);
            Assert.Empty(cut.FindAll("[data-testid=incident-drawer] [data-testid=possible-duplicates]"));
        }, Waits.Push);
        Assert.Equal([first.Id, later.Id], (await App.Detail(first.Id))!.Callers.Select(c => c.IncidentId));

        await cut.InvokeAsync(() => cut.Find("[data-testid=incident-drawer] #action-unmerge").ClickAsync(new()));

        cut.WaitForAssertion(() => Assert.Equal("Reported", cut.Find("[data-testid=incident-drawer]").GetAttribute("data-state")), Waits.Push);
        Assert.Equal([first.Id], (await App.Detail(first.Id))!.Callers.Select(c => c.IncidentId));
    }
}
