using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.Jurisdictions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Dispatch.Server.Identity;

/// <summary>
/// Sign-in and sign-out: a form post for the console's sign-in page (anti-forgery checked), and JSON for API
/// clients (the drill tool, tests, a hotline desk's own software); the administrator's user API.
/// </summary>
public static class AccountApi
{
    public sealed record SignInRequest(string? Login, string? Password);

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").RequireRateLimiting(IdentitySetup.SignInPolicy);
        account.MapPost("/signin", SignInForm);
        // The city's identity service, when configured: it proves who someone is, and they come back signed in.
        account.MapGet("/oidc", (string? returnUrl, IConfiguration configuration) =>
            string.IsNullOrEmpty(configuration["Dispatch:Oidc:Authority"])
                ? Results.NotFound()
                : Results.Challenge(new AuthenticationProperties { RedirectUri = SafeReturn(returnUrl) },
                    [Microsoft.AspNetCore.Authentication.OpenIdConnect.OpenIdConnectDefaults.AuthenticationScheme]));
        account.MapPost("/signout", async (HttpContext http) =>
        {
            await SignOut(http);
            return Results.LocalRedirect("/signin");
        }).RequireAuthorization();

        var session = app.MapGroup("/api/session").DisableAntiforgery();
        session.MapPost("", SignInJson).RequireRateLimiting(IdentitySetup.SignInPolicy);
        session.MapDelete("", async (HttpContext http) => { await SignOut(http); return Results.NoContent(); });
        session.MapGroup("").RequireActor().MapGet("", (HttpContext http, JurisdictionTree tree) =>
        {
            var actor = http.Actor();
            return Results.Ok(new
            {
                actor.Login, actor.Name,
                Grants = actor.Grants.Select(g => new { g.Role, Jurisdiction = Users.Code(g.Scope), g.Scope, g.Department }),
            });
        });

        var users = app.MapGroup("/api/users").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        users.MapGet("", async (HttpContext http, Users all, CancellationToken ct) =>
            http.Actor().Has(Role.Admin) ? Results.Ok(await all.List(http.Actor(), ct)) : NotAdmin(http));
        users.MapPost("", async (HttpContext http, [FromBody] UserRequest body, Users all, CancellationToken ct) =>
            http.Actor().Has(Role.Admin) ? ToResult(await all.Create(http.Actor(), body, ct)) : NotAdmin(http));
        users.MapPut("/{login}", async (string login, HttpContext http, [FromBody] UserRequest body, Users all, CancellationToken ct) =>
            http.Actor().Has(Role.Admin) ? ToResult(await all.Update(http.Actor(), login, body, ct)) : NotAdmin(http));
        return app;
    }

    /// <summary>The sign-in page's form. On failure back to the page with an error (which of name or password is not said).</summary>
    static async Task<IResult> SignInForm(HttpContext http, [FromForm] string? login, [FromForm] string? password,
        [FromForm] string? returnUrl, Users users)
    {
        var back = SafeReturn(returnUrl);
        // The form is not JSON, so the text rule is checked here (a NUL would reach PostgreSQL).
        if (Dispatch.Domain.FreeText.Problem(login) is { } bad)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["login"] = [bad] });
        if (await SignIn(http, users, login, password) is null)
            return Results.LocalRedirect($"/signin?failed=1&returnUrl={Uri.EscapeDataString(back)}");
        return Results.LocalRedirect(back);
    }

    static async Task<IResult> SignInJson(HttpContext http, [FromBody] SignInRequest body, Users users)
    {
        var user = await SignIn(http, users, body.Login, body.Password);
        return user is null
            ? Results.Problem(statusCode: 401, title: "Sign-in failed", detail: "Wrong name or password, or the account is disabled.")
            : Results.Ok(new { Login = user.Id, user.Name });
    }

    static async Task<UserAccount?> SignIn(HttpContext http, Users users, string? login, string? password)
    {
        var user = await users.CheckPassword(login, password, http.RequestAborted);
        await users.RecordSignIn(login ?? "", "signin", user is not null);
        if (user is null) return null;
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            ActorDirectory.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme));
        return user;
    }

    static async Task SignOut(HttpContext http)
    {
        if (http.User.Identity?.Name is { } login)
        {
            var users = http.RequestServices.GetRequiredService<Users>();
            await users.RecordSignIn(login, "signout", true);
            // The cookie may have been copied: the session ends in the store, on every node, not only in this browser.
            await users.EndSessions(login, http.RequestAborted);
            // A unit that signs out receives no more pushes, on whichever node its device is connected.
            await http.RequestServices.GetRequiredService<Units.UnitMailbox>().SignOut(login);
        }
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
    }

    /// <summary>
    /// Only a plain path on this site, else "/": a sign-in or language link must not send anyone elsewhere. No backslash
    /// and no control character anywhere, so what passes is always a local URL to <see cref="Results.LocalRedirect"/>.
    /// </summary>
    public static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } r && r.StartsWith('/') && !r.StartsWith("//", StringComparison.Ordinal) && !r.Any(c => c == '\\' || char.IsControl(c)) ? r : "/";

    static IResult NotAdmin(HttpContext http)
    {
        http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Dispatch.Access")
            .LogWarning("Denied {User} the user administration", http.Actor().Login);
        return Results.Problem(statusCode: 403, title: "Not allowed", detail: "Only administrators manage users.");
    }

    static IResult ToResult(UserOutcome outcome) => outcome switch
    {
        UserOutcome.Done d => Results.Ok(d.User),
        UserOutcome.Invalid i => Results.ValidationProblem(i.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        UserOutcome.NotFound n => Results.Problem(statusCode: 404, title: "Unknown user", detail: $"There is no user '{n.Login}'."),
        UserOutcome.Exists e => Results.Problem(statusCode: 409, title: "Login taken", detail: $"A user '{e.Login}' already exists."),
        UserOutcome.Forbidden f => Results.Problem(statusCode: 403, title: "Not allowed", detail: f.Why),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}
