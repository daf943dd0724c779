using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Server.Audit;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Units;

/// <summary>
/// The field app's shell (<c>/field</c>) over real HTTP: only a unit's own sign-in gets it; a visitor goes to the
/// sign-in page; anyone else signed in is refused and the refusal is audited. Its service worker may control /field.
/// </summary>
public class FieldAppTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    HttpClient As(CookieContainer cookies) =>
        new(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

    [Fact]
    public async Task Given_no_sign_in_when_the_phone_opens_field_then_it_goes_to_the_sign_in_page_which_brings_it_back()
    {
        using var visitor = As(new CookieContainer());

        using var response = await visitor.GetAsync("/field");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin?returnUrl=%2Ffield", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Given_a_dispatchers_sign_in_when_it_opens_field_then_it_is_refused_and_the_refusal_is_audited()
    {
        var login = Api.Unique("desk");
        using var desk = As(await app.SignIn(login));

        using var response = await desk.GetAsync("/field");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("data-testid=\"field-not-a-unit\"", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain("field-config", await response.Content.ReadAsStringAsync());
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Single(await query.Query<AuditEntry>().Where(a => a.User == login && a.Action == "field.open" && !a.Allowed).ToListAsync());
    }

    [Fact]
    public async Task Given_a_units_sign_in_when_it_opens_field_then_it_gets_the_installable_shell_with_its_unit_and_no_inline_script()
    {
        var login = Api.Unique("unit");
        using (var registered = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = "外勤-壳-" + login[^6..], department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "patrol" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        }))
            await registered.ShouldBe(HttpStatusCode.OK);
        using var phone = As(await app.SignIn(login));

        using var response = await phone.GetAsync("/field");

        await response.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<link rel=\"manifest\" href=\"/field/manifest.webmanifest\" />", html);
        Assert.Contains("外勤-壳-" + login[^6..], html);
        Assert.Contains("\"fieldapp.report\"", html);
        // Only our own scripts run (the configuration is data, not script), as the content security policy demands.
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotMatch("<script(?![^>]*(src=|type=\"application/json\"))", html);
        Assert.True(response.Headers.CacheControl?.NoStore, "the shell must not sit in an HTTP cache");
    }

    [Fact]
    public async Task Given_the_service_worker_and_the_manifest_when_fetched_then_the_worker_may_control_field_and_the_app_starts_there()
    {
        using var anyone = As(new CookieContainer());

        using var worker = await anyone.GetAsync("/field/sw.js");
        using var manifest = await anyone.GetAsync("/field/manifest.webmanifest");

        await worker.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("/field", worker.Headers.GetValues("Service-Worker-Allowed").Single());
        Assert.Equal("text/javascript", worker.Content.Headers.ContentType?.MediaType);
        Assert.Contains("caches.open", await worker.Content.ReadAsStringAsync());
        await manifest.ShouldBe(HttpStatusCode.OK);
        var installable = JsonDocument.Parse(await manifest.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("/field", installable.GetProperty("start_url").GetString());
        Assert.Equal("standalone", installable.GetProperty("display").GetString());
    }
}
