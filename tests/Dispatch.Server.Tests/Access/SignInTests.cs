using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>Sign-in, sign-out and the end of a session, against the real server and its users in PostgreSQL.</summary>
public class SignInTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task A_wrong_password_is_refused_without_saying_which_part_was_wrong_and_is_audited()
    {
        await app.EnsureUser("sign-in-wrong");
        using var anonymous = app.Anonymous();

        using var wrongPassword = await anonymous.PostAsJsonAsync("/api/session", new { login = "sign-in-wrong", password = "not-the-password" });
        using var noSuchUser = await anonymous.PostAsJsonAsync("/api/session", new { login = "nobody-at-all", password = "not-the-password" });

        var a = await wrongPassword.Problem(HttpStatusCode.Unauthorized);
        var b = await noSuchUser.Problem(HttpStatusCode.Unauthorized);
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
        var auditor = app.Client("sign-in-auditor", "en", new Grant(Role.Admin, "demo"));
        var failed = (await auditor.GetJson("/api/audit?user=sign-in-wrong")).EnumerateArray().ToList();
        Assert.Contains(failed, e => e.GetProperty("action").GetString() == "signin" && !e.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Signing_in_gives_a_session_that_names_the_user_and_roles_and_signing_out_ends_it()
    {
        var client = app.Client("sign-in-out");

        var me = await client.GetJson("/api/session");
        Assert.Equal("sign-in-out", me.GetProperty("login").GetString());
        Assert.Contains(me.GetProperty("grants").EnumerateArray(), g => g.GetProperty("role").GetString() == "Dispatcher");

        using (var signOut = await client.DeleteAsync("/api/session")) await signOut.ShouldBe(HttpStatusCode.NoContent);
        using var after = await client.GetAsync("/api/board");
        await after.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Changing_a_users_roles_ends_the_sessions_they_had()
    {
        var admin = app.Client("sign-in-admin", "en", new Grant(Role.Admin, "demo"));
        var user = app.Client("sign-in-demoted", "en", new Grant(Role.Dispatcher, "demo"));
        await user.GetJson("/api/board");

        using (var update = await admin.PutAsJsonAsync("/api/users/sign-in-demoted", new
        {
            name = "Demoted", grants = new[] { new { role = "Leader", jurisdiction = "demo" } },
        })) await update.ShouldBe(HttpStatusCode.OK);

        using var stale = await user.GetAsync("/api/board");
        await stale.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in()
    {
        var admin = app.Client("sign-in-admin-2", "en", new Grant(Role.Admin, "demo"));
        await app.EnsureUser("sign-in-disabled", new Grant(Role.Dispatcher, "demo"));
        using (var update = await admin.PutAsJsonAsync("/api/users/sign-in-disabled", new
        {
            name = "Gone", disabled = true, grants = new[] { new { role = "Dispatcher", jurisdiction = "demo" } },
        })) await update.ShouldBe(HttpStatusCode.OK);

        using var anonymous = app.Anonymous();
        using var response = await anonymous.PostAsJsonAsync("/api/session", new { login = "sign-in-disabled", password = DispatchApp.Password });

        await response.Problem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_console_sends_a_stranger_to_the_sign_in_page_and_back()
    {
        using var anonymous = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        using var board = await anonymous.GetAsync("/intake");

        Assert.Equal(HttpStatusCode.Redirect, board.StatusCode);
        Assert.Equal("/signin", board.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=%2Fintake", board.Headers.Location.Query);
        using var page = await anonymous.GetAsync("/signin");
        await page.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("data-testid=\"signin-form\"", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_sign_in_form_without_its_anti_forgery_token_is_refused()
    {
        await app.EnsureUser("sign-in-csrf");
        using var anonymous = app.Anonymous();

        using var response = await anonymous.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["login"] = "sign-in-csrf", ["password"] = DispatchApp.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var me = await anonymous.GetAsync("/api/session");
        await me.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_and_same_site_strict()
    {
        await app.EnsureUser("sign-in-cookie");
        using var anonymous = app.Anonymous();

        using var response = await anonymous.PostAsJsonAsync("/api/session", new { login = "sign-in-cookie", password = DispatchApp.Password });

        await response.ShouldBe(HttpStatusCode.OK);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("dispatch-auth="));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_command_body_that_is_not_json_is_refused_so_no_cross_site_form_can_send_one()
    {
        var incident = await app.Client().Accepted();

        using var response = await app.Client().PostAsync($"/api/incidents/{incident.Id}/assign",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["department"] = "water" }));

        await response.Problem(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(incident.Version, (await app.Client().Detail(incident.Id)).GetProperty("version").GetInt64());
    }
}

/// <summary>A server on an empty database with a first administrator's password configured.</summary>
public sealed class FirstAdminApp : DispatchApp
{
    public FirstAdminApp() => Settings = new() { ["Dispatch:Admin:Login"] = "chief", ["Dispatch:Admin:Password"] = "first-admin-password" };
}

public class FirstAdminTests(FirstAdminApp app) : IClassFixture<FirstAdminApp>
{
    [Fact]
    public async Task An_empty_database_gets_the_configured_first_administrator_who_can_sign_in_and_manage_users()
    {
        var cookies = new System.Net.CookieContainer();
        using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = app.BaseAddress };

        using (var signIn = await client.PostAsJsonAsync("/api/session", new { login = "chief", password = "first-admin-password" }))
            await signIn.ShouldBe(HttpStatusCode.OK);
        var me = await client.GetJson("/api/session");

        var grant = Assert.Single(me.GetProperty("grants").EnumerateArray());
        Assert.Equal("Admin", grant.GetProperty("role").GetString());
        Assert.Equal("demo", grant.GetProperty("scope").GetString());
        Assert.Contains((await client.GetJson("/api/users")).EnumerateArray(), u => u.GetProperty("login").GetString() == "chief");
    }
}
