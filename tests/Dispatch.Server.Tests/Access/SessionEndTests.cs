using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Access;

/// <summary>
/// A session ends in the store, not only in the browser: a copy of the cookie taken before a sign-out, a password
/// change or a role change is refused afterwards, on every node.
/// </summary>
public class SessionEndTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string NewPassword = "a-new-password-22";

    /// <summary>A client that sends exactly this cookie header on every request and never takes a new one.</summary>
    static HttpClient WithCookie(DispatchApp server, string cookieHeader)
    {
        var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Add("Cookie", cookieHeader);
        return client;
    }

    static async Task<string> Session(DispatchApp server, string login, params Grant[] grants) =>
        (await server.SignIn(login, grants)).GetCookieHeader(server.BaseAddress);

    [Fact]
    public async Task After_sign_out_the_old_cookie_is_refused()
    {
        var cookie = await Session(app, "session-out");
        using var copy = WithCookie(app, cookie);
        using (var before = await copy.GetAsync("/api/board")) await before.ShouldBe(HttpStatusCode.OK);

        using (var signOut = await copy.DeleteAsync("/api/session")) await signOut.ShouldBe(HttpStatusCode.NoContent);

        using var after = await copy.GetAsync("/api/board");
        await after.Problem(HttpStatusCode.Unauthorized);
        // And a new sign-in works.
        using var again = WithCookie(app, await Session(app, "session-out"));
        using var board = await again.GetAsync("/api/board");
        await board.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_password_change_by_an_admin_ends_the_session_and_the_new_password_signs_in()
    {
        var admin = app.Client("session-admin-1", "en", new Grant(Role.Admin, "demo"));
        using var user = WithCookie(app, await Session(app, "session-password", new Grant(Role.Dispatcher, "demo")));
        using (var before = await user.GetAsync("/api/board")) await before.ShouldBe(HttpStatusCode.OK);

        using (var update = await admin.PutAsJsonAsync("/api/users/session-password", new
        {
            name = "Password changed", password = NewPassword, grants = new[] { new { role = "Dispatcher", jurisdiction = "demo" } },
        })) await update.ShouldBe(HttpStatusCode.OK);

        using (var stale = await user.GetAsync("/api/board")) await stale.Problem(HttpStatusCode.Unauthorized);
        using var anonymous = app.Anonymous();
        using (var old = await anonymous.PostAsJsonAsync("/api/session", new { login = "session-password", password = DispatchApp.Password }))
            await old.Problem(HttpStatusCode.Unauthorized);
        using (var signIn = await anonymous.PostAsJsonAsync("/api/session", new { login = "session-password", password = NewPassword }))
            await signIn.ShouldBe(HttpStatusCode.OK);
        using var board = await anonymous.GetAsync("/api/board");
        await board.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_role_change_by_an_admin_ends_the_session_and_a_fresh_sign_in_has_the_new_roles()
    {
        var admin = app.Client("session-admin-2", "en", new Grant(Role.Admin, "demo"));
        using var user = WithCookie(app, await Session(app, "session-roles", new Grant(Role.Dispatcher, "demo")));
        using (var before = await user.GetAsync("/api/board")) await before.ShouldBe(HttpStatusCode.OK);

        using (var update = await admin.PutAsJsonAsync("/api/users/session-roles", new
        {
            name = "Now a leader", grants = new[] { new { role = "Leader", jurisdiction = "demo" } },
        })) await update.ShouldBe(HttpStatusCode.OK);

        using (var stale = await user.GetAsync("/api/board")) await stale.Problem(HttpStatusCode.Unauthorized);
        using var fresh = WithCookie(app, await Session(app, "session-roles"));
        var me = await fresh.GetJson("/api/session");
        Assert.Equal(new[] { "Leader" }, me.GetProperty("grants").EnumerateArray().Select(g => g.GetProperty("role").GetString()).ToArray());
    }

    [Fact]
    public async Task Signing_out_closes_the_users_chat_and_board_hub_connections()
    {
        await using var chat = await ChatClient.Connect(app, "session-hubs");
        var cookies = await app.SignIn("session-hubs");
        await using var board = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, BoardHub.Path), o => o.Cookies = cookies).Build();
        await board.StartAsync().WaitAsync(ChatClient.Patience);
        var chatClosed = new TaskCompletionSource();
        var boardClosed = new TaskCompletionSource();
        chat.Connection.Closed += _ => { chatClosed.TrySetResult(); return Task.CompletedTask; };
        board.Closed += _ => { boardClosed.TrySetResult(); return Task.CompletedTask; };

        // Signed out from another session of the same person: every session of theirs ends, hub connections too.
        using var other = WithCookie(app, await Session(app, "session-hubs"));
        using (var signOut = await other.DeleteAsync("/api/session")) await signOut.ShouldBe(HttpStatusCode.NoContent);

        await Task.WhenAll(chatClosed.Task, boardClosed.Task).WaitAsync(ChatClient.Patience);
    }

    [Fact]
    public async Task With_two_nodes_a_sign_out_on_one_ends_the_session_on_the_other_at_once()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        var first = DispatchApp.OnDatabase(database, keepDatabase: true);
        var second = DispatchApp.OnDatabase(database, keepDatabase: false);
        await ((IAsyncLifetime)first).InitializeAsync();
        await ((IAsyncLifetime)second).InitializeAsync();
        try
        {
            // One person with a session on each node; the second node has their user cached by this request.
            using var onFirst = WithCookie(first, await Session(first, "two-nodes"));
            using var onSecond = WithCookie(second, await Session(second, "two-nodes"));
            using (var before = await onSecond.GetAsync("/api/board")) await before.ShouldBe(HttpStatusCode.OK);

            using (var signOut = await onFirst.DeleteAsync("/api/session")) await signOut.ShouldBe(HttpStatusCode.NoContent);

            // The second node hears the sign-out (a NOTIFY) and refuses the session: well before its cache (10 s) would
            // have expired on its own. Each try is a request; no sleeping.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            HttpStatusCode status;
            do
            {
                using var response = await onSecond.GetAsync("/api/board", timeout.Token);
                status = response.StatusCode;
            } while (status == HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }
}
