using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.Demo;

/// <summary>
/// One registered unit in the demo, with its own sign-in for the field page (<c>/field</c>): urban management's
/// 东湖-城管-01 of the town 东湖镇 (dh-04, where the demo town users work), login <see cref="Login"/> with the demo
/// password, on duty at a spot in the town. Registered, put on duty and located through <see cref="UnitService"/> like
/// any unit (events and an audit entry; its position is telemetry, kept in the position tables), and only when missing: a restart leaves the unit as it is.
/// </summary>
public sealed class DemoUnitSeed(UnitService units, Users users, ActorDirectory actors, IDocumentStore store, JurisdictionTree tree,
    TimeProvider clock, IConfiguration configuration, Units.Positions.UnitPositions positions, ILogger<DemoUnitSeed> log) : IHostedService
{
    public const string Login = "dh-04.unit";
    public const string CallSign = "东湖-城管-01";
    public const string Town = "dh-04";
    /// <summary>Fixed, so two nodes starting on one database register it once (the second hears it exists).</summary>
    public static readonly Guid Id = new("0193a3c2-5d2e-7f10-9a41-d3e0e5c0f001");
    /// <summary>Near 东湖区人民路, inside the town's grid.</summary>
    public const double Lat = 31.2312, Lon = 121.4745;

    public async Task StartAsync(CancellationToken ct)
    {
        if (tree.Find(Town) is not { } town) return;
        UnitRosterEntry? unit;
        await using (var query = store.QuerySession())
            unit = await query.LoadAsync<UnitRosterEntry>(Id, ct) is { } line ? positions.Overlay(line) : null;

        if (unit is null)
        {
            // An older demo made dh-04.unit a plain user with no unit behind it: the unit's own account takes its place,
            // unless an administrator has changed that user since.
            if (await users.Find(Login, ct) is { } plain)
            {
                if (plain.UpdatedBy != "setup")
                {
                    log.LogWarning("Demo unit {CallSign} not registered: the login {Login} belongs to a user kept by an administrator", CallSign, Login);
                    return;
                }
                await using var session = store.LightweightSession();
                session.Delete<UserAccount>(plain.Id);
                await session.SaveChangesAsync(ct);
                actors.Forget(plain.Id);
            }
            var dispatcher = new Actor($"{Town}.dispatcher", $"{town.Name}调度员", [new Grant(Role.Dispatcher, town.Path)]);
            var registered = await units.Register(dispatcher, new RegisterUnit(Id, CallSign, DemoUsersSeed.Department, town.Path,
                ["enforcement", "patrol"], ["王强", "李明"], "", Login), DemoUsersSeed.Password(configuration), Pipeline.Via.System, ct);
            if (registered is not UnitOutcome.Done)
            {
                // Refused "unit.exists": another node registered it a moment ago.
                log.LogInformation("Demo unit {CallSign} not registered here: {Outcome}", CallSign, registered);
                return;
            }
            log.LogInformation("Registered the demo unit {CallSign} (sign-in {Login})", CallSign, Login);
        }
        else if (unit.Status != UnitStatus.OffDuty || unit.PositionAt is not null) return; // set up before: leave it as its crew keeps it

        // On duty at its spot, as the crew's own phone would do it.
        var crew = new Actor(Login, CallSign, [new Grant(Role.FieldUnit, town.Path, DemoUsersSeed.Department)]);
        await units.Handle(crew, Id, new GoOnDuty(""), Pipeline.Via.System, ct);
        await units.Handle(crew, Id, new ReportPosition(Lat, Lon, 15, clock.GetUtcNow(), ""), Pipeline.Via.System, ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
