using AngleSharp.Dom;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Server.Audit;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The administrator's user page on the real server and store: who is listed, and what the form writes (or,
/// refused, does not write). Admins here are real users in the store, as the page reads their current roles.
/// </summary>
public sealed class AdminUsersTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    Users Users => App.Services.GetRequiredService<Users>();
    JurisdictionTree Tree => App.Services.GetRequiredService<JurisdictionTree>();

    static string NewLogin(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>A user in the store (as another administrator made them); returns the login.</summary>
    async Task<string> Make(string prefix, params Grant[] grants)
    {
        var login = NewLogin(prefix);
        await Users.Ensure(login, $"Name of {login}", DispatchApp.Password, grants);
        return login;
    }

    /// <summary>Makes an administrator of the node <paramref name="code"/> and signs this console in as them.</summary>
    async Task<Actor> SignInAdmin(string code) => await SignIn(NewLogin("admin"), new Grant(Role.Admin, Tree[code].Path));

    Task<Actor> SignIn(string login, params Grant[] grants) => SignInStored(login, $"Name of {login}", grants);

    async Task<int> StoredUsers()
    {
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Query<UserAccount>().CountAsync();
    }

    IRenderedComponent<TestHost> RenderPage()
    {
        var cut = Ctx.RenderWithPopovers<AdminUsers>();
        cut.WaitForElement("[data-testid=users-table]", Waits.Push);
        return cut;
    }

    static IRenderedComponent<TestHost> OpenNewForm(IRenderedComponent<TestHost> cut)
    {
        cut.Find("#user-new").Click();
        cut.WaitForElement("[data-testid=user-form][data-mode=create]", Waits.Push);
        return cut;
    }

    static string ErrorAt(IRenderedComponent<TestHost> cut, string inputId) =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    /// <summary>Opens a select and clicks the item that reads exactly <paramref name="text"/>.</summary>
    static async Task Pick(IRenderedComponent<TestHost> cut, string inputId, string text)
    {
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.MouseDown();
        await ClickItem(cut, text);
    }

    /// <summary>Types into a jurisdiction picker and clicks the place that reads exactly <paramref name="text"/>.</summary>
    static async Task PickPlace(IRenderedComponent<TestHost> cut, int row, string typed, string text)
    {
        cut.Find($"#grant-{row}-jurisdiction").Input(typed);
        await ClickItem(cut, text);
    }

    static async Task ClickItem(IRenderedComponent<TestHost> cut, string text)
    {
        IElement? item = null;
        cut.WaitForAssertion(() => item = cut.FindAll(".mud-popover-open .mud-list-item").Single(i => i.TextContent.Trim() == text),
            TimeSpan.FromSeconds(5));
        await item!.ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-popover-open .mud-list-item")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Given_a_district_admin_When_the_page_opens_Then_exactly_the_users_inside_the_district_are_listed()
    {
        var admin = await SignInAdmin("dh");
        var inTown = await Make("disp", new Grant(Role.Dispatcher, Tree["dh-01"].Path));
        var handler = await Make("hdl", new Grant(Role.Handler, Tree["dh"].Path, "urban-management"));
        var elsewhere = await Make("xsd", new Grant(Role.Dispatcher, Tree["xs"].Path));
        var straddling = await Make("mix", new Grant(Role.Dispatcher, Tree["dh"].Path), new Grant(Role.Leader, Tree["xs"].Path));
        var cityWide = await Make("cty", new Grant(Role.Leader, Tree.City.Path));

        var cut = RenderPage();

        var shown = cut.FindAll("[data-testid=user-row]").Select(r => r.GetAttribute("data-login")!).ToHashSet();
        Assert.Contains(admin.Login, shown);
        Assert.Contains(inTown, shown);
        Assert.Contains(handler, shown);
        Assert.DoesNotContain(elsewhere, shown);
        Assert.DoesNotContain(straddling, shown);
        Assert.DoesNotContain(cityWide, shown);
        Assert.Equal((await Users.List(admin)).Select(u => u.Login).ToHashSet(), shown);
        Assert.Equal(shown.Count, int.Parse(cut.Find("[data-testid=users-count]").TextContent));

        // A role reads as role, place and department, in the console's language.
        var row = cut.Find($"[data-testid=user-row][data-login='{handler}']");
        var grant = Assert.Single(row.QuerySelectorAll("[data-testid=grant]"));
        Assert.Equal("Handler", grant.GetAttribute("data-role"));
        Assert.Equal("urban-management", grant.GetAttribute("data-department"));
        Assert.Equal("Department handler · 东湖区 · Urban Management", grant.TextContent.Trim());
        Assert.Contains($"Name of {handler}", row.TextContent);
        Assert.Contains("setup", row.TextContent);
        Assert.Matches(@"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row.QuerySelector(".cell-time")!.TextContent);
    }

    [Fact]
    public async Task Given_a_chinese_console_When_the_page_opens_Then_roles_and_departments_read_in_chinese()
    {
        await Ctx.DisposeAsync();
        Ctx = ConsoleContext.For(App, "zh-CN");
        await SignInAdmin("dh");
        var handler = await Make("zh", new Grant(Role.Handler, Tree["dh-01"].Path, "urban-management"));

        var cut = RenderPage();

        Assert.Equal("部门处置员 · 东湖区 · 人民路街道 · 城市管理局",
            cut.Find($"[data-testid=user-row][data-login='{handler}'] [data-testid=grant]").TextContent.Trim());
        Assert.Equal("新建用户", cut.Find("#user-new").TextContent.Trim());
    }

    [Fact]
    public async Task Given_a_district_admin_When_a_handler_is_created_through_the_form_Then_the_store_has_them_with_that_role()
    {
        var admin = await SignInAdmin("dh");
        var cut = OpenNewForm(RenderPage());
        var login = NewLogin("new");

        cut.Find("#user-login").Input(login);
        cut.Find("#user-name").Input("王芳");
        cut.Find("#user-password").Input("long-enough-password");
        Assert.Empty(cut.FindAll("#grant-0-department")); // asked for only once the role works for a department
        await Pick(cut, "grant-0-role", "Department handler");
        await PickPlace(cut, 0, "dh-01", "东湖区 · 人民路街道");
        // Urban management works at town level too (water does not: docs/configuration.md).
        await Pick(cut, "grant-0-department", "Urban Management");
        await cut.Find("#user-form").SubmitAsync();

        var saved = cut.WaitForElement("[data-testid=user-saved]", Waits.Push);
        Assert.Equal(login, saved.GetAttribute("data-login"));
        var account = await Users.Find(login);
        Assert.NotNull(account);
        Assert.Equal("王芳", account.Name);
        Assert.Equal([new Grant(Role.Handler, Tree["dh-01"].Path, "urban-management")], account.Grants);
        Assert.False(account.Disabled);
        Assert.Equal(admin.Login, account.UpdatedBy);
        Assert.NotNull(await Users.CheckPassword(login, "long-enough-password"));
        // The form closes and the new user is in the table.
        Assert.Empty(cut.FindAll("[data-testid=user-form]"));
        var grant = cut.Find($"[data-testid=user-row][data-login='{login}'] [data-testid=grant]");
        Assert.Equal("dh-01", grant.GetAttribute("data-jurisdiction"));
        Assert.Equal("urban-management", grant.GetAttribute("data-department"));
        // And the change is on the audit trail, by this admin.
        var trail = await App.Services.GetRequiredService<AuditLog>().Read(admin, new AuditFilter(User: admin.Login));
        Assert.Contains(trail, e => e.Action == "user.create" && e.Detail!.StartsWith(login) && e.Allowed);
    }

    [Fact]
    public async Task Given_a_district_admin_When_a_place_is_looked_up_Then_only_places_inside_the_district_are_offered()
    {
        await SignInAdmin("dh");
        var cut = OpenNewForm(RenderPage());
        await Pick(cut, "grant-0-role", "Dispatcher");

        cut.Find("#grant-0-jurisdiction").Input("区");

        cut.WaitForAssertion(() =>
        {
            var offered = cut.FindAll(".mud-popover-open .mud-list-item").Select(i => i.TextContent.Trim()).ToList();
            Assert.Contains("东湖区", offered);
            Assert.Contains("东湖区 · 人民路街道", offered);
            Assert.All(offered, o => Assert.StartsWith("东湖区", o));
            // A dispatcher works at a command centre: no grid cells.
            Assert.DoesNotContain(offered, o => o.Contains("网格"));
        }, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Given_an_empty_form_When_it_is_submitted_Then_each_field_says_what_is_missing_and_nothing_is_written()
    {
        await SignInAdmin("dh");
        var cut = OpenNewForm(RenderPage());
        var before = await StoredUsers();

        await cut.Find("#user-form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.StartsWith("A login is 2–40 characters", ErrorAt(cut, "user-login")));
        Assert.Equal("Give the person's name as colleagues read it.", ErrorAt(cut, "user-name"));
        Assert.Equal("Give a password of at least 10 characters.", ErrorAt(cut, "user-password"));
        Assert.Equal("Choose a role.", ErrorAt(cut, "grant-0-role"));
        Assert.Empty(cut.FindAll("[data-testid=user-saved]"));
        Assert.Equal(before, await StoredUsers());
    }

    [Fact]
    public async Task Given_a_short_password_and_a_place_outside_the_admin_s_scope_When_submitted_Then_both_errors_show_and_nothing_is_written()
    {
        // City-wide when the form opens; narrowed to 东湖区 by another administrator before it is submitted.
        var admin = await SignInAdmin(Tree.City.Code);
        var cut = OpenNewForm(RenderPage());
        var login = NewLogin("bad");
        cut.Find("#user-login").Input(login);
        cut.Find("#user-name").Input("李雷");
        cut.Find("#user-password").Input("short");
        await Pick(cut, "grant-0-role", "Dispatcher");
        await PickPlace(cut, 0, "西山", "西山区");
        await Users.Ensure(admin.Login, admin.Name, DispatchApp.Password, [new Grant(Role.Admin, Tree["dh"].Path)]);
        var before = await StoredUsers();

        await cut.Find("#user-form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("A password has 10 to 200 characters.", ErrorAt(cut, "user-password")));
        Assert.Equal("This lies outside the scope you administer.", ErrorAt(cut, "grant-0-jurisdiction"));
        Assert.Equal("", ErrorAt(cut, "user-login"));
        Assert.Equal("", ErrorAt(cut, "user-name"));
        Assert.Equal("", ErrorAt(cut, "grant-0-role"));
        // Screen readers hear the error with its field.
        Assert.Contains("grant-0-jurisdiction-error", cut.Find("#grant-0-jurisdiction").GetAttribute("aria-describedby"));
        // Nothing written, and what was typed is still there to correct.
        Assert.Null(await Users.Find(login));
        Assert.Equal(before, await StoredUsers());
        Assert.Empty(cut.FindAll("[data-testid=user-saved]"));
        Assert.Equal(login, cut.Find("#user-login").GetAttribute("value"));
        var trail = await App.Services.GetRequiredService<AuditLog>().Read(
            new Actor("reader", "reader", [new Grant(Role.Leader, Tree.City.Path)]), new AuditFilter(User: admin.Login));
        Assert.DoesNotContain(trail, e => e.Action == "user.create");
    }

    [Fact]
    public async Task Given_a_login_that_is_taken_When_a_user_is_created_with_it_Then_the_login_field_says_so_and_the_existing_user_is_untouched()
    {
        await SignInAdmin("dh");
        var taken = await Make("taken", new Grant(Role.CallTaker, Tree["dh"].Path));
        var cut = OpenNewForm(RenderPage());

        cut.Find("#user-login").Input(taken);
        cut.Find("#user-name").Input("Someone else");
        cut.Find("#user-password").Input("long-enough-password");
        await Pick(cut, "grant-0-role", "Dispatcher");
        await PickPlace(cut, 0, "dh", "东湖区");
        await cut.Find("#user-form").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal($"The login '{taken}' is taken: choose another.", ErrorAt(cut, "user-login")));
        var existing = (await Users.Find(taken))!;
        Assert.Equal($"Name of {taken}", existing.Name);
        Assert.Equal([new Grant(Role.CallTaker, Tree["dh"].Path)], existing.Grants);
        Assert.Empty(cut.FindAll("[data-testid=user-saved]"));
    }

    [Fact]
    public async Task Given_a_user_in_the_table_When_their_name_is_changed_and_they_are_disabled_Then_the_store_has_it_and_the_row_shows_it()
    {
        var admin = await SignInAdmin("dh");
        var login = await Make("edit", new Grant(Role.FieldUnit, Tree["dh-01"].Path, "urban-management"));
        var hash = (await Users.Find(login))!.PasswordHash;
        var cut = RenderPage();

        cut.Find($"[data-testid=user-row][data-login='{login}']").Click();
        var form = cut.WaitForElement($"[data-testid=user-form][data-mode=edit][data-login='{login}']");
        Assert.Empty(form.QuerySelectorAll("#user-login")); // a login is for good
        Assert.Equal($"Name of {login}", cut.Find("#user-name").GetAttribute("value"));
        cut.Find("#user-name").Input("赵强");
        cut.Find("input[data-testid=user-disabled]").Change(true);
        await cut.Find("#user-form").SubmitAsync();

        cut.WaitForElement("[data-testid=user-saved]", Waits.Push);
        var account = (await Users.Find(login))!;
        Assert.Equal("赵强", account.Name);
        Assert.True(account.Disabled);
        Assert.Equal([new Grant(Role.FieldUnit, Tree["dh-01"].Path, "urban-management")], account.Grants);
        Assert.Equal(hash, account.PasswordHash); // no new password given: the old one stays
        Assert.Equal(admin.Login, account.UpdatedBy);
        var row = cut.Find($"[data-testid=user-row][data-login='{login}']");
        Assert.Equal("true", row.GetAttribute("data-disabled"));
        Assert.Contains("赵强", row.TextContent);
    }

    [Fact]
    public async Task Given_an_open_form_When_the_user_meanwhile_gets_a_role_outside_the_admin_s_scope_Then_saving_is_refused_and_nothing_changes()
    {
        await SignInAdmin("dh");
        var login = await Make("moved", new Grant(Role.Dispatcher, Tree["dh"].Path));
        var cut = RenderPage();
        cut.Find($"[data-testid=user-row][data-login='{login}']").Click();
        cut.WaitForElement("[data-testid=user-form][data-mode=edit]", Waits.Push);
        cut.Find("#user-name").Input("Changed here");
        // Another (city) administrator gives them a role in 西山区 meanwhile.
        await Users.Ensure(login, "Changed there", DispatchApp.Password,
            [new Grant(Role.Dispatcher, Tree["dh"].Path), new Grant(Role.Leader, Tree["xs"].Path)]);

        await cut.Find("#user-form").SubmitAsync();

        var problem = cut.WaitForElement("[data-testid=user-form-problem]", Waits.Push);
        Assert.Equal("forbidden", problem.GetAttribute("data-kind"));
        Assert.Contains(login, problem.TextContent);
        Assert.Contains("outside the scope you administer", problem.TextContent);
        Assert.Equal("Changed there", (await Users.Find(login))!.Name);
        Assert.Empty(cut.FindAll("[data-testid=user-saved]"));
    }

    [Fact]
    public async Task Given_a_leader_who_is_not_an_admin_When_the_page_opens_Then_only_the_not_allowed_message_shows()
    {
        await SignIn(NewLogin("leader"), new Grant(Role.Leader, Tree.City.Path), new Grant(Role.Dispatcher, Tree.City.Path));
        await Make("someone", new Grant(Role.Dispatcher, Tree["dh"].Path));

        var cut = Ctx.RenderWithPopovers<AdminUsers>();

        var message = cut.WaitForElement("[data-testid=not-allowed]", Waits.Push);
        Assert.Equal("Only administrators manage users.", message.TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=users-table]"));
        Assert.Empty(cut.FindAll("[data-testid=user-row]"));
        Assert.Empty(cut.FindAll("#user-new"));
        Assert.DoesNotContain("someone-", cut.Markup);
    }

    [Fact]
    public async Task Given_an_admin_whose_role_was_taken_away_since_the_console_opened_When_the_page_opens_Then_it_shows_nothing_privileged()
    {
        // The circuit still holds the admin role it signed in with; the store no longer does.
        var admin = await SignInAdmin("dh");
        await Users.Ensure(admin.Login, admin.Name, DispatchApp.Password, [new Grant(Role.Dispatcher, Tree["dh"].Path)]);

        var cut = Ctx.RenderWithPopovers<AdminUsers>();

        cut.WaitForElement("[data-testid=not-allowed]", Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=users-table]"));
    }
}
