using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Localization;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Units;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Field;

/// <summary>
/// The field phone as an installable web app (issue 17): <c>/field</c> answers the app's shell — plain HTML with the
/// crew's words in its language, the city's categories and the unit it is signed in as — and the scripts under
/// <c>wwwroot/field</c> do the rest over the unit hub, keeping every tap in a local queue while there is no signal. The
/// service worker (<c>/field/sw.js</c>, served here so it may control <c>/field</c> itself) keeps the shell so the app
/// opens offline. Only a unit's own sign-in gets the shell; anyone else signed in is refused (403, audited), and a
/// visitor who is not signed in goes to the sign-in page, which brings them back.
/// </summary>
public static class FieldApp
{
    public const string Path = "/field";
    public const string WorkerPath = "/field/sw.js";

    /// <summary>The resource keys the phone reads, by prefix: its own, and the names it shows (states, urgencies, steps).</summary>
    static readonly string[] TextPrefixes = ["fieldpage.", "fieldapp.", "state.", "urgency.", "timeline.", "units.status."];

    public static IEndpointRouteBuilder MapFieldApp(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Shell).ExcludeFromDescription();
        app.MapGet(WorkerPath, Worker).ExcludeFromDescription();
        return app;
    }

    static async Task<IResult> Shell(HttpContext http, ActorDirectory actors, IQuerySession query, IStringLocalizer<Ui> text,
        CityCatalog city, IAntiforgery antiforgery, CommandPipeline pipeline, Exercises.ExerciseSpace exercise, CancellationToken ct)
    {
        if (http.User.Identity?.IsAuthenticated != true || await actors.Resolve(http.User) is not { } actor)
            return Results.Redirect("/signin?returnUrl=" + Uri.EscapeDataString(Path));
        if (await query.SignedInAs(actor.Login, ct) is not { } unit)
        {
            await pipeline.Deny(actor, Via.Console, "field.open", "", $"{actor.Login} is not a unit: the field app is for units' own sign-ins.", ct: ct);
            return Results.Content(Page(text["fieldpage.title"], $"<p class=\"fa-problem\" data-testid=\"field-not-a-unit\">{H(text["fieldpage.not-a-unit"])}</p>",
                CultureInfo.CurrentUICulture.Name, ""), "text/html; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }
        // The shell changes with the unit and the language: the worker keeps the last one, the HTTP caches none.
        http.Response.Headers.CacheControl = "no-store";
        var culture = CultureInfo.CurrentUICulture;
        var zh = culture.Name.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        var config = new
        {
            Culture = culture.Name,
            Login = actor.Login,
            Unit = new { unit.Id, unit.CallSign, unit.Department },
            TimeZone = city.TimeZone.Id,
            Categories = city.Categories.Select(c => new { c.Code, Name = c.Name(culture) }),
            Departments = city.Departments.ToDictionary(d => d.Code, d => d.Name(culture)),
            Text = text.GetAllStrings(includeParentCultures: true)
                .Where(s => TextPrefixes.Any(p => s.Name.StartsWith(p, StringComparison.Ordinal)))
                .GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First().Value),
        };
        var tokens = antiforgery.GetAndStoreTokens(http);
        var language = $"/culture?culture={(zh ? Cultures.English : Cultures.Chinese)}&redirectUri={Uri.EscapeDataString(Path)}";
        var body = $$"""
            <header class="fa-bar">
              <span class="fa-title">{{H(text["fieldpage.title"])}}</span>
              <span class="fa-net" data-testid="field-connection" data-state="connecting"></span>
              <span class="fa-pending" data-testid="field-pending" data-count="0" hidden></span>
              <a class="fa-bar-link" href="{{H(language)}}" data-testid="field-language">{{(zh ? "English" : "中文")}}</a>
              <form method="post" action="/account/signout" class="fa-signout">
                <input type="hidden" name="{{H(tokens.FormFieldName)}}" value="{{H(tokens.RequestToken ?? "")}}" />
                <button type="submit" class="fa-bar-link" data-testid="sign-out">{{H(text["signout"])}}</button>
              </form>
            </header>
            <main class="fa-main" id="field-app" data-testid="field-page" data-live="false"></main>
            <script type="application/json" id="field-config">{{JsonSerializer.Serialize(config, JsonSerializerOptions.Web).Replace("<", "\\u003c")}}</script>
            <script src="/lib/signalr/signalr.min.js"></script>
            <script src="/field/store.js"></script>
            <script src="/field/app.js"></script>
            """;
        if (exercise.IsExercise)
            body = $"<div class=\"fa-exercise\" role=\"status\" data-testid=\"exercise-banner\">{H(text["exercise.banner", exercise.Name!])}</div>\n" + body;
        return Results.Content(Page(unit.CallSign, body, culture.Name, "<link rel=\"manifest\" href=\"/field/manifest.webmanifest\" />", exercise),
            "text/html; charset=utf-8");
    }

    static string Page(string title, string body, string lang, string head, Exercises.ExerciseSpace? exercise = null) => $$"""
        <!DOCTYPE html>
        <html lang="{{H(lang)}}">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1, interactive-widget=resizes-content" />
          <meta name="theme-color" content="#1565c0" />
          <title>{{(exercise?.IsExercise == true ? "【演练 EXERCISE】" : "")}}{{H(title)}}</title>
          <link rel="icon" href="/field/icon.svg" type="image/svg+xml" />
          <link rel="stylesheet" href="/field/field.css" />
          {{head}}
        </head>
        <body>
        {{body}}
        </body>
        </html>
        """;

    static string H(string? s) => WebUtility.HtmlEncode(s ?? "");

    /// <summary>
    /// The service worker, from the assembly: served here (not as a static file) so that it may say it controls
    /// <c>/field</c> itself, not only what lies under <c>/field/</c>, and so that browsers look for a new one every time.
    /// </summary>
    static IResult Worker(HttpContext http)
    {
        http.Response.Headers["Service-Worker-Allowed"] = Path;
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Text(WorkerScript.Value, "text/javascript; charset=utf-8");
    }

    static readonly Lazy<string> WorkerScript = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Dispatch.Server.Field.sw.js")
            ?? throw new InvalidOperationException("The field app's service worker (Field/sw.js) is not embedded.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
