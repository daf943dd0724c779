using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests.Infrastructure;

/// <summary>Units registered, moved and located as a dispatcher elsewhere (or the unit's phone) would: the real command path.</summary>
public static class UnitCalls
{
    public const string Department = "urban-management";

    /// <summary>A dispatcher (and every incident role) city-wide, other than the console's seat.</summary>
    public static Actor UnitDispatcher(this DispatchApp app) => new("unit-dispatcher", "Unit dispatcher", app.Everything());

    /// <summary>The path of the town at a point of the demo city (a unit's home).</summary>
    public static string TownAt(this DispatchApp app, double lat, double lon) =>
        app.Services.GetRequiredService<JurisdictionTree>().Place(lat, lon).Town!.Path;

    /// <summary>
    /// Registers a unit at <paramref name="home"/>; on duty unless told otherwise, and located <paramref name="ago"/> before
    /// now at (<paramref name="lat"/>, <paramref name="lon"/>) when given.
    /// </summary>
    public static async Task<Guid> Unit(this DispatchApp app, string callSign, string home, double? lat = null, double? lon = null,
        TimeSpan? ago = null, string[]? capabilities = null, bool onDuty = true, string department = Department)
    {
        var units = app.Services.GetRequiredService<UnitService>();
        var id = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await units.Register(app.UnitDispatcher(),
            new RegisterUnit(id, callSign, department, home, capabilities ?? ["enforcement"], ["队员"], "")));
        if (onDuty) await app.Move(id, new GoOnDuty(""));
        if (lat is { } la && lon is { } lo)
            await app.Move(id, new ReportPosition(la, lo, 10, DateTimeOffset.UtcNow - (ago ?? TimeSpan.FromMinutes(1)), ""));
        return id;
    }

    public static async Task Move(this DispatchApp app, Guid unit, UnitCommand command)
    {
        var outcome = await app.Services.GetRequiredService<UnitService>().Handle(app.UnitDispatcher(), unit, command);
        Assert.True(outcome is UnitOutcome.Done, $"{UnitService.Name(command)} of unit {unit}: {outcome}");
    }

    /// <summary>An incident reported at a point, accepted and assigned to <paramref name="department"/>: ready for units.</summary>
    public static async Task<CommandOutcome.Done> AssignedAt(this DispatchApp app, double lat, double lon, string department = Department)
    {
        var reported = await app.Report(Calls.Form() with { Lat = lat, Lon = lon });
        await app.Do(reported.Id, new AcceptIncident("dispatcher"));
        await app.Do(reported.Id, new AssignIncident(department, "dispatcher"));
        return reported;
    }

    public static async Task<UnitRosterEntry> RosterLine(this DispatchApp app, Guid unit)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.LoadAsync<UnitRosterEntry>(unit))!;
    }

    public static async Task<IncidentCard> Card(this DispatchApp app, Guid incident)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.LoadAsync<IncidentCard>(incident))!;
    }
}
