using System.Reflection;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Plans;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>The plan library page on the real server and store: a city-wide administrator edits a plan's JSON.</summary>
public sealed class AdminPlansTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const string Login = "plans-city-admin";

    protected override Task Prepare() => SignInStored(Login, "City admin",
        new Grant(Role.Admin, App.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>().City.Path));

    static void Type(AdminPlans page, string json) =>
        typeof(AdminPlans).GetField("_json", BindingFlags.NonPublic | BindingFlags.Instance)!.SetValue(page, json);

    [Fact]
    public void Given_a_city_admin_when_a_bad_then_a_good_revision_is_saved_then_the_fault_is_named_and_version_2_is_listed()
    {
        var page = Ctx.RenderWithPopovers<AdminPlans>();
        page.WaitForElement("[data-testid=plans-page]");
        page.Find("[data-plan=elderly-missing]").Click();
        page.WaitForElement("[data-testid=plan-versions] tr[data-version='1']");
        var library = App.Services.GetRequiredService<PlanLibrary>();
        var json = PlanLibraryFile.ToJson(library.Find("elderly-missing")!);

        Type(page.FindComponent<AdminPlans>().Instance, json.Replace("\"lead\": \"public-security\"", "\"lead\": \"nobody\"", StringComparison.Ordinal));
        page.InvokeAsync(() => page.Find("[data-testid=plan-save]").Click());
        page.WaitForAssertion(() => Assert.Contains("unknown department 'nobody'", page.Find("[data-testid=plan-faults]").TextContent));
        Assert.Equal(1, library.Find("elderly-missing")!.Version);
        // The faults show while the save still reads the versions again; until it is done the button is disabled and a
        // click on it does nothing (this test failed that way under load).
        page.WaitForAssertion(() => Assert.False(page.Find("[data-testid=plan-save]").HasAttribute("disabled")));

        Type(page.FindComponent<AdminPlans>().Instance, json.Replace("走失老人协查预案", "走失老人协查预案（修订）", StringComparison.Ordinal));
        page.InvokeAsync(() => page.Find("[data-testid=plan-save]").Click());
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid=plan-versions] tr[data-version='2']")));
        Assert.Contains(Login, page.Find("[data-testid=plan-versions] tr[data-version='2']").TextContent);
        Assert.Equal((2, "走失老人协查预案（修订）"), (library.Find("elderly-missing")!.Version, library.Find("elderly-missing")!.Name));
    }

    [Fact]
    public void Given_a_district_admin_when_they_open_the_page_then_it_is_not_allowed()
    {
        var tree = App.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>();
        var district = tree.Place(31.2304, 121.4737).District!;
        SignIn(new Actor("district-admin", "District", [new Grant(Role.Admin, district.Path)]));
        var page = Ctx.RenderWithPopovers<AdminPlans>();
        page.WaitForAssertion(() => Assert.Contains("city-wide administrators", page.Markup));
        Assert.Empty(page.FindAll("[data-testid=plans-page]"));
    }
}
