using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>The hotline intake form against the real command path and a real database.</summary>
public sealed class IntakeFormTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    /// <summary>The error text shown under the input with this id (MudBlazor puts it in the same input control).</summary>
    static string ErrorAt(IRenderedComponent<TestHost> cut, string inputId) =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    [Fact]
    public async Task Given_an_empty_form_When_it_is_submitted_Then_each_error_shows_under_its_field_and_nothing_is_written()
    {
        var before = await App.OpenIncidents();
        var cut = Ctx.RenderWithPopovers<Intake>();

        await cut.Find("#intake-form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("Choose a category.", ErrorAt(cut, "intake-category")));
        Assert.Equal("Give an address or coordinates, so someone can be sent.", ErrorAt(cut, "intake-address"));
        Assert.Equal("Describe what the caller reports.", ErrorAt(cut, "intake-description"));
        // Fields that are fine say nothing.
        Assert.Equal("", ErrorAt(cut, "intake-phone"));
        Assert.Equal("", ErrorAt(cut, "intake-name"));
        Assert.Empty(cut.FindAll("[data-testid=intake-created]"));
        Assert.Equal(before, await App.OpenIncidents());
    }

    [Fact]
    public async Task Given_an_invalid_phone_When_the_form_is_submitted_Then_the_error_is_at_the_phone_field_and_what_was_typed_stays()
    {
        var before = await App.OpenIncidents();
        var cut = Ctx.RenderWithPopovers<Intake>();
        // Find and act in one dispatch: the form renders on its own (the lists' debounced search, the repeat-caller and duplicates lookups).
        await cut.InvokeAsync(() => cut.Find("#intake-phone").Input("12345"));
        await cut.InvokeAsync(() => cut.Find("#intake-address").Input("西山区文化宫北门"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("路灯不亮。"));

        await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());

        cut.WaitForAssertion(() => Assert.StartsWith("Not a phone number", ErrorAt(cut, "intake-phone")));
        // Screen readers hear it with the field.
        Assert.Contains("intake-phone-error", cut.Find("#intake-phone").GetAttribute("aria-describedby"));
        Assert.StartsWith("Not a phone number", cut.Find("#intake-phone-error").TextContent.Trim());
        Assert.Equal("", ErrorAt(cut, "intake-address"));
        Assert.Equal("12345", cut.Find("#intake-phone").GetAttribute("value"));
        Assert.Equal("西山区文化宫北门", cut.Find("#intake-address").GetAttribute("value"));
        Assert.Equal("路灯不亮。", cut.Find("#intake-description").TextContent);
        Assert.Equal(before, await App.OpenIncidents());
    }

    [Fact]
    public async Task Given_a_complete_call_When_it_is_submitted_Then_the_new_number_shows_and_the_form_is_clear_for_the_next_call()
    {
        var phone = Calls.NewPhone();
        var cut = Ctx.RenderWithPopovers<Intake>();
        await cut.InvokeAsync(() => cut.Find("#intake-phone").Input(phone));
        await cut.InvokeAsync(() => cut.Find("#intake-name").Input("张伟"));
        // The category as a call-taker picks it: type, then choose from the list.
        await cut.InvokeAsync(() => cut.Find("#intake-category").Input("Road"));
        var option = cut.WaitForElement(".mud-popover-open .mud-list-item", TimeSpan.FromSeconds(5));
        Assert.Contains("Road damage", option.TextContent);
        await option.ClickAsync(new());
        await cut.InvokeAsync(() => cut.Find("[data-urgency-option='4']").Click());
        await cut.InvokeAsync(() => cut.Find("#intake-address").Input("东湖区人民路 128 号"));
        await cut.InvokeAsync(() => cut.Find("#intake-lat").Input("31.2304, 121.4737"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("路面塌陷约一米见方，车辆绕行。"));

        await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());

        var created = cut.WaitForElement("[data-testid=intake-created]", TimeSpan.FromSeconds(10));
        var number = Regex.Match(created.TextContent, @"\d{8}-\d{4,}").Value;
        Assert.Equal(number, created.GetAttribute("data-number"));
        var link = created.QuerySelector("[data-testid=intake-created-link]")!.GetAttribute("href")!;
        var id = Guid.Parse(link[(link.IndexOf('=') + 1)..]);
        var stored = await App.Detail(id);
        Assert.NotNull(stored);
        Assert.Equal(number, stored.Number);
        Assert.Equal("road-damage", stored.Category);
        Assert.Equal(Dispatch.Domain.Incidents.Urgency.Critical, stored.Urgency);
        Assert.Equal(new Dispatch.Domain.Incidents.GeoPoint(31.2304, 121.4737), stored.Location);
        Assert.Equal("console", stored.Timeline[0].By);

        // Ready for the next call: every field empty, urgency back to its default.
        foreach (var input in new[] { "intake-phone", "intake-name", "intake-category", "intake-address", "intake-lat", "intake-lon" })
            Assert.True(string.IsNullOrEmpty(cut.Find($"#{input}").GetAttribute("value")), $"{input} is not empty");
        Assert.Equal("", cut.Find("#intake-description").TextContent);
        Assert.Equal("true", cut.Find("[data-urgency-option='2']").GetAttribute("aria-checked"));
        Assert.Empty(cut.FindAll(".mud-input-helper-text.mud-input-error"));
    }

    [Fact]
    public async Task Given_a_category_typed_by_its_exact_name_When_the_form_is_submitted_Then_it_is_filed_under_that_category()
    {
        var cut = Ctx.RenderWithPopovers<Intake>();
        await cut.InvokeAsync(() => cut.Find("#intake-category").Input("路灯故障"));
        await cut.InvokeAsync(() => cut.Find("#intake-address").Input("西山区幸福里小区 3 栋"));
        await cut.InvokeAsync(() => cut.Find("#intake-description").Input("小区门口路灯连续三晚不亮。"));

        await cut.InvokeAsync(() => cut.Find("#intake-form").SubmitAsync());

        var created = cut.WaitForElement("[data-testid=intake-created]", TimeSpan.FromSeconds(10));
        var link = created.QuerySelector("[data-testid=intake-created-link]")!.GetAttribute("href")!;
        var stored = await App.Detail(Guid.Parse(link[(link.IndexOf('=') + 1)..]));
        Assert.Equal("street-lighting", stored!.Category);
    }

    [Fact]
    public async Task Given_a_caller_who_called_before_When_their_number_is_typed_Then_their_earlier_incidents_show_beside_the_form()
    {
        var phone = Calls.NewPhone();
        var earlier = await App.Report(Calls.Form(phone, category: "water-supply"));
        var cut = Ctx.RenderWithPopovers<Intake>();
        Assert.Empty(cut.FindAll("[data-testid=repeat-caller]"));

        // Typed the way people say it: with spaces.
        cut.Find("#intake-phone").Input($"{phone[..3]} {phone[3..7]} {phone[7..]}");

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find($"[data-testid=repeat-caller-row][data-number='{earlier.Number}']");
            Assert.Contains("Water supply", row.TextContent);
            Assert.Contains("Reported", row.TextContent);
        }, TimeSpan.FromSeconds(5));
        Assert.Equal(phone, cut.Find("[data-testid=repeat-caller]").GetAttribute("data-phone"));
    }
}
