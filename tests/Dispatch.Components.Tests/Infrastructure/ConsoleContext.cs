using System.Globalization;
using Bunit;
using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Localization;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace Dispatch.Components.Tests.Infrastructure;

/// <summary>
/// A bUnit context wired to a running <see cref="DispatchApp"/>: the app's own command path, store, change feed
/// and city, so what a component shows comes from real commits and real pushes. Only the browser is simulated.
/// </summary>
public static class ConsoleContext
{
    /// <summary>The login commands from the console under test are recorded as.</summary>
    public const string Seat = "console";

    /// <param name="services">Replaces some of the app's services for this console (e.g. a push feed it has not heard from yet).</param>
    public static BunitContext For(DispatchApp app, string culture = "en", Action<IServiceCollection>? services = null)
    {
        // Text assertions read English; the resources fall back to English for any culture but zh.
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);

        // Every wait rides on real commits and pushes to a real database: allow a loaded CI machine its time.
        BunitContext.DefaultWaitTimeout = Waits.Push;
        var ctx = new BunitContext();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        var store = app.Services.GetRequiredService<IDocumentStore>();
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Pipeline.CommandPipeline>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<IncidentService>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<IncidentReaders>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<IncidentChangeFeed>());
        // The node's shared open cards, kept by that feed.
        ctx.Services.AddSingleton(app.Services.GetRequiredService<OpenIncidents>());
        // The board rows' cells as HTML, rendered with this console's services (its culture and localizer).
        ctx.Services.AddSingleton<Dispatch.Server.Components.Dispatching.BoardRowMarkup>();
        ctx.Services.AddSingleton(app.Services.GetRequiredService<CityCatalog>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>());
        // The intake form's address proposals: the app's gazetteer (the demo city's file).
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Gazetteer.GazetteerIndex>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Plans.PlanLibrary>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Plans.PlanVersions>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Supervision.SupervisionSettings>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Duplicates.DuplicateFinder>());
        ctx.Services.AddSingleton(store);
        ctx.Services.AddSingleton(app.Services.GetRequiredService<TimeProvider>());
        ctx.Services.AddScoped<IQuerySession>(_ => store.QuerySession());
        ctx.Services.AddLocalization();
        ctx.Services.AddScoped<Messages>();
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Identity.ActorDirectory>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Identity.Users>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Identity.PeopleNames>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Audit.AuditLog>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Performance.KpiReport>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Open311.Open311Clients>());
        // Units: the app's own command path, mailbox, recommendations and live roster pushes.
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Units.UnitService>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Sensors.DeviceService>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Units.UnitMailbox>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Units.UnitFeed>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Units.Positions.UnitPositions>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Units.Positions.UnitTracks>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Units.UnitRecommendations>());
        // Chat: the app's own channel directory, words and live feed; a ChatService of this console's own (scoped, as in a circuit).
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Chat.ChannelDirectory>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Chat.ChatText>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Chat.ChatFeed>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Chat.ChatProposals>());
        ctx.Services.AddScoped(sp => ActivatorUtilities.CreateInstance<Dispatch.Server.Chat.ChatService>(sp));
        ctx.Services.AddScoped<Dispatch.Server.Components.Chat.ChatBadge>();
        // The situation screen's per-node feed (it hears the same pushes).
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Situation.SituationFeed>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Operations.OperationBoard>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Operations.OperationService>());
        // Maps (the intake form's and the dispatcher map): the app's settings and boundaries.
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Map.MapSettings>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Map.MapBoundaries>());
        // Time travel: the record rewound (the app's own), and the review of an incident (scoped: it reads the chat).
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Rewind.PastRecord>());
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Rewind.PastViews>());
        ctx.Services.AddScoped(sp => ActivatorUtilities.CreateInstance<Dispatch.Server.Rewind.IncidentReview>(sp));
        ctx.Services.AddSingleton(app.Services.GetRequiredService<Dispatch.Server.Components.Rewind.ReplaySteps>());
        services?.Invoke(ctx.Services);
        ctx.AddAuthorization().SetAuthorized(Seat);
        ctx.Services.AddScoped<ConsoleSession>();
        ctx.Services.AddScoped<ConsoleCircuit>();
        ctx.Services.AddMudServices(o =>
        {
            o.PopoverOptions.CheckForPopoverProvider = false;
            o.PopoverOptions.Duration = TimeSpan.Zero;
            o.SnackbarConfiguration.ShowTransitionDuration = 0;
            o.SnackbarConfiguration.HideTransitionDuration = 0;
        });
        // What a Blazor Server circuit reports once interactive.
        ctx.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        // The person at this console: signed in with every incident role city-wide unless a test says otherwise.
        ctx.Services.GetRequiredService<ConsoleSession>().Actor = new Dispatch.Domain.Access.Actor(Seat, "Console", app.Everything());
        return ctx;
    }

    /// <summary>
    /// Renders <typeparamref name="T"/> beside a popover provider, as MainLayout does, so lists (autocomplete,
    /// select) render too. Find elements through the host: popover content renders in the provider.
    /// </summary>
    public static IRenderedComponent<TestHost> RenderWithPopovers<T>(this BunitContext ctx) where T : IComponent =>
        ctx.Render<TestHost>(p => p.AddChildContent<T>());
}
