using AngleSharp.Dom;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>
/// Issue 19 item 6 on the intake form: a coordinate pair typed key by key into one field, refused text named at the field,
/// and the gazetteer's address proposals filling the address and both coordinates. Against the real command path.
/// </summary>
public sealed class IntakeLocationTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    static string ErrorAt(IRenderedComponent<TestHost> cut, string inputId) =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    static string? ValueOf(IRenderedComponent<TestHost> cut, string inputId) => cut.Find($"#{inputId}").GetAttribute("value");

    async Task<IncidentDetail> FileAndRead(IRenderedComponent<TestHost> cut)
    {
        // Find and act in one dispatch: the form renders on its own (the lists' debounced search, the repeat-caller and duplicates lookups).
        await cut.InvokeAsync(() => cut.Find("#intake-category").Input("路灯故障"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("路灯不亮。"));
        await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());
        var created = cut.WaitForElement("[data-testid=intake-created]", TimeSpan.FromSeconds(10));
        var link = created.QuerySelector("[data-testid=intake-created-link]")!.GetAttribute("href")!;
        return (await App.Detail(Guid.Parse(link[(link.IndexOf('=') + 1)..])))!;
    }

    [Fact]
    public async Task Given_a_pair_typed_key_by_key_into_the_latitude_field_Then_the_field_keeps_what_was_typed_the_longitude_follows_and_leaving_settles_both()
    {
        const string typed = "31.2331, 121.4768";
        var cut = Ctx.RenderWithPopovers<Intake>();

        // One input event per keystroke, each with the field's whole text, as the browser sends them.
        for (var i = 1; i <= typed.Length; i++)
        {
            cut.Find("#intake-lat").Input(typed[..i]);
            // Never rewritten under the fingers: that is how "31.2331, 1" became 31.2331 and the rest was appended to it.
            Assert.Equal(typed[..i], ValueOf(cut, "intake-lat"));
        }
        Assert.Equal("121.4768", ValueOf(cut, "intake-lon"));

        cut.Find("#intake-lat").Blur();

        cut.WaitForAssertion(() => Assert.Equal(("31.2331", "121.4768"), (ValueOf(cut, "intake-lat"), ValueOf(cut, "intake-lon"))));
        Assert.Equal("", ErrorAt(cut, "intake-lat"));
        var stored = await FileAndRead(cut);
        Assert.Equal(new GeoPoint(31.2331, 121.4768), stored.Location);
    }

    [Fact]
    public async Task Given_a_pair_pasted_into_the_longitude_field_When_the_call_is_filed_without_leaving_it_Then_both_coordinates_are_stored()
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        cut.Find("#intake-lon").Input("北纬31.2212 东经121.4432");
        Assert.Equal("31.2212", ValueOf(cut, "intake-lat"));

        var stored = await FileAndRead(cut);

        Assert.Equal(new GeoPoint(31.2212, 121.4432), stored.Location);
    }

    [Fact]
    public void Given_a_pair_that_stops_being_one_When_the_text_is_cut_back_Then_the_other_field_gets_back_what_it_held()
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        cut.Find("#intake-lon").Input("121.4");
        cut.Find("#intake-lat").Input("31.2331, 1");
        Assert.Equal("1", ValueOf(cut, "intake-lon"));
        cut.Find("#intake-lat").Input("31.2331,");
        Assert.Equal("121.4", ValueOf(cut, "intake-lon"));
    }

    [Fact]
    public async Task Given_two_numbers_run_together_in_the_latitude_When_the_field_is_left_Then_it_is_refused_there_naming_the_text_and_nothing_is_stored()
    {
        var before = await App.OpenIncidents();
        var cut = Ctx.RenderWithPopovers<Intake>();
        cut.Find("#intake-lat").Input("31.233121.4768");
        cut.Find("#intake-lat").Blur();

        const string refusal = "Latitude: '31.233121.4768' is not a latitude. Type one number (31.2304) or a pair (31.2304, 121.4737).";
        cut.WaitForAssertion(() => Assert.Equal(refusal, ErrorAt(cut, "intake-lat")));
        Assert.Equal("31.233121.4768", ValueOf(cut, "intake-lat")); // kept as typed, to be corrected

        await cut.InvokeAsync(() => cut.Find("#intake-lon").Input("121.4768"));
        await cut.InvokeAsync(() => cut.Find("#intake-address").Input("西山区文化宫北门"));
        await cut.InvokeAsync(() => cut.Find("#intake-category").Input("路灯故障"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("路灯不亮。"));
        await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());

        cut.WaitForAssertion(() => Assert.Equal(refusal, ErrorAt(cut, "intake-lat")));
        Assert.Empty(cut.FindAll("[data-testid=intake-created]"));
        Assert.Equal(before, await App.OpenIncidents());
    }

    [Fact]
    public async Task Given_a_road_and_number_typed_in_the_address_When_the_first_proposal_is_picked_Then_the_address_and_both_coordinates_are_filled_and_filed()
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        cut.Find("#intake-address").Input("人民路128");

        var proposal = cut.WaitForElement(".mud-popover-open [data-testid=address-proposal]", TimeSpan.FromSeconds(5));
        Assert.Contains("人民路 128号", proposal.TextContent);
        Assert.Contains("Road", proposal.TextContent);
        Assert.Equal(("31.2304", "121.4737"), (proposal.GetAttribute("data-lat"), proposal.GetAttribute("data-lon")));
        await proposal.Closest(".mud-list-item")!.ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(("31.2304", "121.4737"), (ValueOf(cut, "intake-lat"), ValueOf(cut, "intake-lon"))));
        Assert.Equal("东湖区人民路128号", ValueOf(cut, "intake-address"));
        // The small map's line says where it lies.
        Assert.Contains("东湖区", cut.Find("[data-testid=intake-placement]").TextContent);

        var stored = await FileAndRead(cut);
        Assert.Equal(("东湖区人民路128号", new GeoPoint(31.2304, 121.4737)), (stored.Address, stored.Location));
    }

    [Fact]
    public void Given_an_address_in_pinyin_When_typed_Then_the_list_proposes_the_place_by_its_Chinese_name_and_town()
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        cut.Find("#intake-address").Input("xingfuli xiaoqu");

        var proposal = cut.WaitForElement(".mud-popover-open [data-testid=address-proposal]", TimeSpan.FromSeconds(5));
        Assert.Contains("幸福里小区", proposal.TextContent);
        Assert.Contains("西山区", proposal.TextContent);
    }
}
