using System.Security.Claims;
using System.Threading.RateLimiting;
using Dispatch.Domain.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Dispatch.Server.Identity;

public static class IdentitySetup
{
    public const string ApiPolicy = "api";
    public const string SignInPolicy = "signin";

    /// <summary>
    /// Cookie sign-in for the console and API clients (a twelve-hour shift, sliding), an optional OpenID Connect
    /// provider (a city's unified identity service) when <c>Dispatch:Oidc:Authority</c> is set, authorization on
    /// by default, and rate limits on sign-in and the API.
    /// </summary>
    public static WebApplicationBuilder AddIdentity(this WebApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<ActorDirectory>();
        builder.Services.AddHostedService<UserChangeListener>();
        builder.Services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();
        builder.Services.AddSingleton<Users>();
        builder.Services.AddSingleton<PeopleNames>();
        builder.Services.AddHostedService<FirstAdmin>();

        var auth = builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "dispatch-auth";
                o.Cookie.HttpOnly = true;
                // Strict: no other site can make a signed-in browser send a command (the API's CSRF defence).
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.LoginPath = "/signin";
                o.AccessDeniedPath = "/denied";
                o.Events.OnValidatePrincipal = async context =>
                {
                    // The cookie names the user; whether they may still act is the store's answer, every request.
                    var actors = context.HttpContext.RequestServices.GetRequiredService<ActorDirectory>();
                    if (await actors.Resolve(context.Principal) is { } actor)
                    {
                        // Resolved once per request: the endpoints read it from here (RequireActor).
                        context.HttpContext.Items[typeof(Actor)] = actor;
                        return;
                    }
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                };
                // API and hub callers get status codes, people get the sign-in page.
                o.Events.OnRedirectToLogin = context => Answer(context, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Answer(context, StatusCodes.Status403Forbidden);
            });

        if (builder.Configuration["Dispatch:Oidc:Authority"] is { Length: > 0 } authority)
            auth.AddOpenIdConnect(OpenIdConnectDefaults.AuthenticationScheme, "City identity", o =>
            {
                o.Authority = authority;
                o.ClientId = builder.Configuration["Dispatch:Oidc:ClientId"];
                // The secret comes from the environment or user secrets, never from a file in the repository.
                o.ClientSecret = builder.Configuration["Dispatch:Oidc:ClientSecret"];
                o.ResponseType = "code";
                o.UsePkce = true;
                o.SaveTokens = false;
                o.Scope.Add("profile");
                o.SignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.Events.OnTokenValidated = async context =>
                {
                    // The provider proves who it is; Dispatch decides what they may do: the login must be a user here.
                    var claim = builder.Configuration["Dispatch:Oidc:LoginClaim"] ?? "preferred_username";
                    var login = context.Principal?.FindFirstValue(claim)?.ToLowerInvariant();
                    var users = context.HttpContext.RequestServices.GetRequiredService<Users>();
                    var user = login is null ? null : await users.Find(login);
                    if (user is null || user.Disabled)
                    {
                        context.Fail($"'{login}' is not a Dispatch user; an administrator must add them first.");
                        return;
                    }
                    context.Principal = ActorDirectory.Principal(user, CookieAuthenticationDefaults.AuthenticationScheme);
                    await users.RecordSignIn(user.Id, "signin.oidc", true);
                };
            });

        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, RevalidatingActorState>();

        var perSecond = builder.Configuration.GetValue("Dispatch:RateLimits:ApiPerSecond", 200);
        // Sign-in: a tight limit per login (one mistyper slows only themselves) and a generous one per address (an
        // office behind one NAT signs in together at a shift change), so no one person can lock a whole office out.
        var signInsPerMinute = builder.Configuration.GetValue("Dispatch:RateLimits:SignInsPerMinute", 100);
        var signInsPerLogin = builder.Configuration.GetValue("Dispatch:RateLimits:SignInsPerLoginPerMinute", 5);
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString();
                await Results.Problem(statusCode: 429, title: "Too many requests",
                    detail: "Slow down: this client sent more requests than the server accepts; retry after the time given.")
                    .ExecuteAsync(context.HttpContext);
            };
            // Per signed-in user, else per address: one busy desk cannot starve the others.
            o.AddPolicy(ApiPolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                http.User.Identity?.Name ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond * 2, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0, AutoReplenishment = true,
                }));
            // Password guessing from one address: generous, so an office keeps signing in while one desk mistypes.
            o.AddPolicy(SignInPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = signInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            // Password guessing on one login, from anywhere: a few tries a minute (the login is read by UseRateLimits).
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Items[SignInLoginKey] is string login
                    ? RateLimitPartition.GetFixedWindowLimiter(login, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = signInsPerLogin, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
        });
        return builder;
    }

    static readonly object SignInLoginKey = new();

    /// <summary>
    /// The rate limiter, after reading the login a sign-in names (JSON <c>login</c> or the form's <c>login</c> field,
    /// at most 4 KB of body, left for the endpoint to read again) so the per-login limit can count it.
    /// </summary>
    public static WebApplication UseRateLimits(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (HttpMethods.IsPost(http.Request.Method)
                && http.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute>()?.PolicyName == SignInPolicy
                && await SignInLogin(http.Request) is { Length: > 0 } login)
                http.Items[SignInLoginKey] = login.Length > 200 ? login[..200] : login;
            await next(http);
        });
        app.UseRateLimiter();
        return app;
    }

    static async Task<string?> SignInLogin(HttpRequest request)
    {
        const int max = 4096;
        if (request.ContentLength is > max) return null;
        var form = request.HasFormContentType && request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;
        if (!form && !request.HasJsonContentType()) return null;
        // Buffered, and read again from the start by the endpoint; a body longer than a sign-in is not looked at.
        request.EnableBuffering();
        var buffer = new byte[max + 1];
        var length = 0;
        try
        {
            int read;
            while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), request.HttpContext.RequestAborted)) > 0)
                length += read;
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException) { return null; }
        finally { request.Body.Position = 0; }
        if (length > max) return null;
        try
        {
            if (form)
                return Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(buffer, 0, length))
                    .TryGetValue("login", out var value) ? value.ToString().Trim().ToLowerInvariant() : null;
            using var json = System.Text.Json.JsonDocument.Parse(buffer.AsMemory(0, length));
            if (json.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
            foreach (var property in json.RootElement.EnumerateObject())
                if (property.Name.Equals("login", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == System.Text.Json.JsonValueKind.String)
                    return property.Value.GetString()?.Trim().ToLowerInvariant();
        }
        // Not JSON, or text that is not valid UTF-16 (a lone surrogate): no login to count, the address limit still holds.
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException) { }
        return null;
    }

    static Task Answer(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs"))
        {
            context.Response.StatusCode = status;
            return Results.Problem(statusCode: status,
                title: status == 401 ? "Sign in first" : "Not allowed",
                detail: status == 401 ? "Sign in with POST /api/session." : "Your roles do not allow this.").ExecuteAsync(context.HttpContext);
        }
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The signed-in actor of this request, resolved once by <see cref="RequireActor"/>; API handlers read it here.
    /// </summary>
    public static Actor Actor(this HttpContext http) =>
        http.Items[typeof(Actor)] as Actor ?? throw new InvalidOperationException("No actor: is the endpoint behind RequireActor?");

    /// <summary>
    /// Signed-in callers only, as the actor the store knows now: 401 otherwise. Endpoints then check role and
    /// jurisdiction themselves (the rules need the incident), answering 403 and logging a refusal.
    /// </summary>
    public static RouteGroupBuilder RequireActor(this RouteGroupBuilder group)
    {
        group.RequireAuthorization().AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            // The cookie's validation has usually resolved the actor already; other schemes resolve it here.
            var actor = http.Items[typeof(Actor)] as Actor
                        ?? await http.RequestServices.GetRequiredService<ActorDirectory>().Resolve(http.User, http.RequestAborted);
            if (actor is null)
                return Results.Problem(statusCode: 401, title: "Sign in first", detail: "Your session has ended; sign in again.");
            http.Items[typeof(Actor)] = actor;
            return await next(context);
        });
        return group;
    }
}
