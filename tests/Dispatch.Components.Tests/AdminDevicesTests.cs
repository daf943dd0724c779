using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Sensors;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Admin;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Sensors;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>The sensor registry page on the real server and store: who may open it, and what its form writes.</summary>
public sealed class AdminDevicesTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const string Login = "devices-city-dispatcher";

    // The page reads the person's current roles from the store: a real city dispatcher.
    protected override Task Prepare() => SignInStored(Login, "City dispatcher",
        new Grant(Role.Dispatcher, App.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>().City.Path));

    [Fact]
    public async Task Given_a_city_dispatcher_when_they_register_a_device_then_its_key_is_shown_once_and_the_row_appears()
    {
        var page = Ctx.RenderWithPopovers<AdminDevices>();
        page.WaitForElement("[data-testid=devices-page]");
        page.Find("[data-testid=device-new]").Click();
        // The form (and its draft) comes with the render after New; under load that render can follow the click.
        page.WaitForElement("[data-testid=device-save]");
        var form = page.FindComponent<AdminDevices>().Instance;
        // Fill the draft as the fields would (MudBlazor inputs bind to it), then save through the form's button.
        var draft = (DeviceDraft)typeof(AdminDevices).GetField("_draft", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(form)!;
        var name = "WL-" + Guid.NewGuid().ToString("N")[..8];
        (draft.Name, draft.Lat, draft.Lon, draft.Category, draft.Department) = (name, 31.2304, 121.4737, "drainage-flooding", "water");
        (draft.Thresholds[0].Level, draft.Thresholds[0].Recovery) = (3.0, 2.5);
        page.Find("[data-testid=device-save]").Click();

        page.WaitForAssertion(() => Assert.True(page.FindAll("[data-testid=device-key] code").Count > 0, page.Markup));
        var key = page.Find("[data-testid=device-key] code").TextContent;
        Assert.StartsWith("dk_", key);
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=device-row]"), r => r.TextContent.Contains(name)));
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var device = Assert.Single(await query.Query<Device>().ToListAsync(), d => d.Settings.Name == name);
        Assert.Equal(Login, device.RegisteredBy);
        Assert.True(DeviceKeys.Matches(key, (await query.LoadAsync<DeviceKey>(device.Id))!));

        // Closed and opened again, the key is not shown any more.
        page.Find("[data-testid=devices-message]");
        page.FindAll("[data-testid=device-row]").First(r => r.TextContent.Contains(name)).Click();
        // As after New: the form comes with the render after the click, which under load can follow it.
        page.WaitForElement("[data-testid=device-form]");
        Assert.DoesNotContain(key, page.Markup[(page.Markup.IndexOf("device-form", StringComparison.Ordinal) is var i and >= 0 ? i : 0)..]);
    }

    [Fact]
    public void Given_a_town_dispatcher_when_they_open_the_page_then_it_is_not_allowed()
    {
        var tree = App.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>();
        var town = tree.Place(31.2304, 121.4737).Town!;
        SignIn(new Actor("town-dispatcher", "Town", [new Grant(Role.Dispatcher, town.Path)]));
        var page = Ctx.RenderWithPopovers<AdminDevices>();
        // Wait for the refusal itself: before the page has read who is signed in it shows neither the page nor the refusal.
        page.WaitForAssertion(() => Assert.Contains("city centre", page.Markup));
        Assert.Empty(page.FindAll("[data-testid=devices-page]"));
    }
}
