using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>Administrators keep users and roles, each within their own part of the city.</summary>
public class UserAdministrationTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    HttpClient CityAdmin => app.Client("users-city-admin", "en", new Grant(Role.Admin, "demo"));

    [Fact]
    public async Task An_admin_creates_a_user_who_can_then_sign_in_with_that_role()
    {
        var scopes = new Scopes(app);

        using var created = await CityAdmin.PostAsJsonAsync("/api/users", new
        {
            login = "New.Dispatcher", name = "新调度员", password = "a-long-password",
            grants = new[] { new { role = "dispatcher", jurisdiction = scopes.Town.Code } },
        });

        await created.ShouldBe(HttpStatusCode.OK);
        var user = await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("new.dispatcher", user.GetProperty("login").GetString());
        using var anonymous = app.Anonymous();
        using (var signIn = await anonymous.PostAsJsonAsync("/api/session", new { login = "new.dispatcher", password = "a-long-password" }))
            await signIn.ShouldBe(HttpStatusCode.OK);
        var me = await anonymous.GetJson("/api/session");
        Assert.Equal(scopes.Town.Path, me.GetProperty("grants")[0].GetProperty("scope").GetString());
    }

    [Fact]
    public async Task A_bad_user_names_every_bad_field_and_nothing_is_stored()
    {
        using var response = await CityAdmin.PostAsJsonAsync("/api/users", new
        {
            login = "Bad Login!", name = "", password = "short",
            grants = new object[]
            {
                new { role = "pilot", jurisdiction = "demo" },
                new { role = "handler", jurisdiction = "no-such-place" },
                new { role = "handler", jurisdiction = "demo" },
            },
        });

        var errors = await response.FieldErrors();
        Assert.Equal(["grants[0].role", "grants[1].jurisdiction", "grants[2].department", "login", "name", "password"],
            errors.Keys.Order(StringComparer.Ordinal));
        var all = await CityAdmin.GetJson("/api/users");
        Assert.DoesNotContain(all.EnumerateArray(), u => u.GetProperty("login").GetString()!.StartsWith("bad"));
    }

    [Fact]
    public async Task A_district_admin_grants_only_inside_the_district_and_sees_only_its_users()
    {
        var scopes = new Scopes(app);
        var districtAdmin = app.Client("users-district-admin", "en", new Grant(Role.Admin, scopes.District.Path));
        await app.EnsureUser("users-other-district", new Grant(Role.Dispatcher, scopes.OtherDistrict.Path));

        using var outside = await districtAdmin.PostAsJsonAsync("/api/users", new
        {
            login = "users-escalated", name = "越权", password = "a-long-password",
            grants = new[] { new { role = "leader", jurisdiction = "demo" } },
        });
        using var touch = await districtAdmin.PutAsJsonAsync("/api/users/users-other-district", new
        {
            name = "改名", grants = new[] { new { role = "dispatcher", jurisdiction = scopes.Town.Code } },
        });

        Assert.Contains("grants[0].jurisdiction", (await outside.FieldErrors()).Keys);
        await touch.Problem(HttpStatusCode.Forbidden);
        var listed = (await districtAdmin.GetJson("/api/users")).EnumerateArray().Select(u => u.GetProperty("login").GetString()).ToList();
        Assert.Contains("users-district-admin", listed);
        Assert.DoesNotContain("users-other-district", listed);
    }

    [Fact]
    public async Task A_taken_login_is_a_conflict()
    {
        await app.EnsureUser("users-taken");

        using var response = await CityAdmin.PostAsJsonAsync("/api/users", new
        {
            login = "users-taken", name = "重名", password = "a-long-password",
            grants = new[] { new { role = "leader", jurisdiction = "demo" } },
        });

        Assert.Contains("users-taken", (await response.Problem(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Only_admins_manage_users()
    {
        using var list = await app.Client().GetAsync("/api/users");
        using var create = await app.Client().PostAsJsonAsync("/api/users", new
        {
            login = "users-sneaky", name = "x", password = "a-long-password", grants = new[] { new { role = "admin", jurisdiction = "demo" } },
        });

        await list.Problem(HttpStatusCode.Forbidden);
        await create.Problem(HttpStatusCode.Forbidden);
        Assert.DoesNotContain((await CityAdmin.GetJson("/api/users")).EnumerateArray(), u => u.GetProperty("login").GetString() == "users-sneaky");
    }

    [Fact]
    public async Task An_admin_cannot_lock_themselves_out()
    {
        var admin = app.Client("users-self", "en", new Grant(Role.Admin, "demo"));

        using var response = await admin.PutAsJsonAsync("/api/users/users-self", new
        {
            name = "Me", grants = new[] { new { role = "leader", jurisdiction = "demo" } },
        });

        Assert.Contains("grants", (await response.FieldErrors()).Keys);
        await admin.GetJson("/api/users");
    }

    [Fact]
    public async Task No_answer_ever_carries_a_password_hash()
    {
        var all = await CityAdmin.GetJson("/api/users");

        Assert.NotEmpty(all.EnumerateArray());
        Assert.DoesNotContain("passwordHash", all.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AQAAAA", all.GetRawText()); // the hasher's v3 prefix
    }
}
