using System.Globalization;
using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Localization;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.SignalR;
using MudBlazor.Services;

namespace Dispatch.Server;

/// <summary>One extension per feature, so Program.cs reads as a table of contents.</summary>
public static class Setup
{
    public static WebApplicationBuilder AddCity(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<CityOptions>(builder.Configuration.GetSection(CityOptions.Section));
        // Built (and so validated) now, like the jurisdiction tree, not on first use: a bad configuration stops
        // the server before it listens, with a clear message, even when nothing needs the catalog at start-up.
        builder.Services.AddSingleton(new CityCatalog(builder.Configuration.GetSection(CityOptions.Section).Get<CityOptions>() ?? new()));
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    public static WebApplicationBuilder AddIncidents(this WebApplicationBuilder builder)
    {
        // Unhandled failures answer as problem details too, never as an empty 500.
        builder.Services.AddProblemDetails();
        // A dropped database connection (the pipeline has already retried once), a refused command or a connection pool run
        // dry is 503 + Retry-After, not 500.
        builder.Services.AddExceptionHandler<Pipeline.TransientDatabaseHandler>();
        builder.Services.AddSingleton<IncidentNumbers>();
        // Past its ceiling the pipeline refuses early (503 + Retry-After) instead of queueing into the connection pool.
        builder.Services.AddSingleton(sp => Pipeline.Admission.From(sp.GetRequiredService<IConfiguration>()));
        // Reports that lock nothing share a transaction with those decided while the last one committed (one WAL flush for all).
        if (Pipeline.GroupCommit.Options(builder.Configuration) is { Enabled: true } grouping)
            builder.Services.AddSingleton(sp => new Pipeline.GroupCommit(sp.GetRequiredService<Marten.IDocumentStore>(),
                sp.GetRequiredService<ILogger<Pipeline.GroupCommit>>(), grouping));
        builder.Services.AddSingleton<Pipeline.CommandPipeline>();
        builder.Services.AddSingleton<IncidentService>();
        builder.Services.AddSingleton(Supervision.SupervisionSettings.From(builder.Configuration));
        builder.Services.AddSingleton<IncidentReaders>();
        builder.Services.AddSingleton<OpenIncidents>();
        // The board rows' static cells as HTML, once per card version and language (not per circuit).
        builder.Services.AddSingleton<Dispatch.Server.Components.Dispatching.BoardRowMarkup>();
        builder.Services.ConfigureHttpJsonOptions(o => ContractJson.Configure(o.SerializerOptions));
        return builder;
    }

    public static WebApplicationBuilder AddLivePush(this WebApplicationBuilder builder)
    {
        // Every hub call is limited per user and its arguments checked before the hub sees it (HubGuard).
        builder.Services.AddSingleton<HubGuard>();
        builder.Services.AddSignalR(o => o.AddFilter<HubGuard>())
            .AddJsonProtocol(o => ContractJson.Configure(o.PayloadSerializerOptions));
        builder.Services.AddSingleton<BoardConnections>();
        builder.Services.AddSingleton<IncidentChangeFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IncidentChangeFeed>());
        return builder;
    }

    public static IEndpointRouteBuilder MapLivePush(this IEndpointRouteBuilder app)
    {
        app.MapHub<BoardHub>(BoardHub.Path);
        return app;
    }

    public static WebApplicationBuilder AddConsole(this WebApplicationBuilder builder)
    {
        builder.Services.AddLocalization();
        builder.Services.AddScoped<Messages>();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        // Circuits as a command centre needs them (docs/configuration.md, "Console circuits"): a console whose network
        // dropped comes back to its own circuit (filters, open drawer) within the retention period; past it, or past the
        // most retained, the page reloads afresh. A browser that stops answering JS calls does not hold server work long.
        builder.Services.Configure<Microsoft.AspNetCore.Components.Server.CircuitOptions>(o =>
        {
            o.DisconnectedCircuitRetentionPeriod = TimeSpan.FromMinutes(3);
            o.DisconnectedCircuitMaxRetained = 100;
            o.JSInteropDefaultCallTimeout = TimeSpan.FromSeconds(30);
            o.MaxBufferedUnacknowledgedRenderBatches = 10;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Components.Server.CircuitOptions>(builder.Configuration.GetSection("Dispatch:Circuits"));
        // Toasts at the bottom left: the incident drawer opens on the right, and a toast must not cover its buttons (issue 19).
        builder.Services.AddMudServices(o => o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomLeft);
        builder.Services.AddScoped<ConsoleSession>();
        builder.Services.AddConsoleCircuit();
        builder.Services.AddScoped<Components.Chat.ChatBadge>();
        // Serve MudBlazor's and the framework's assets from the build output in every environment, not only in
        // Development (tests run as "Testing"); a published app has them in wwwroot and this is a no-op.
        builder.WebHost.UseStaticWebAssets();
        return builder;
    }

    public static WebApplication UseConsoleLocalization(this WebApplication app)
    {
        var supported = Cultures.Supported.Select(c => new CultureInfo(c)).ToList();
        app.UseRequestLocalization(new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Cultures.Chinese),
            SupportedCultures = supported,
            SupportedUICultures = supported,
        });
        return app;
    }

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        // Our own Content-Security-Policy (SecurityHeaders) already says frame-ancestors 'none'; Blazor's second
        // policy header (frame-ancestors 'self') would only loosen what a reader of the headers sees.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        // The language switch: remember the choice in the standard culture cookie and go back.
        app.MapGet("/culture", (string culture, string? redirectUri, HttpContext http) =>
        {
            if (Cultures.Supported.Contains(culture))
                http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                    new CookieOptions { MaxAge = TimeSpan.FromDays(365), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true });
            return Results.LocalRedirect(Identity.AccountApi.SafeReturn(redirectUri));
        });
        return app;
    }
}
