using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Domain.Warning;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Xunit.Abstractions;

namespace Dispatch.Server.Tests.Storage;

/// <summary>
/// Incidents, units and surge pairs are snapshot documents written with their events (issue 13): they survive Marten's
/// serializer whole, they agree with a fold of the stream, and a database from before them gets them at start-up.
/// </summary>
public sealed class SnapshotTests(DispatchApp app, ITestOutputHelper output) : IClassFixture<DispatchApp>
{
    static readonly DateTimeOffset At = new(2026, 12, 5, 8, 30, 0, TimeSpan.FromHours(8));

    [Fact]
    public async Task A_rich_incident_and_unit_come_back_from_the_document_store_as_they_went_in()
    {
        var incident = new Incident(Guid.NewGuid(), "20261205-0042", IncidentState.Acknowledged, "road-damage", Urgency.High,
            CallerHasPhone: true, LeadDepartment: "urban-management", CallbackRecorded: true, TimesReturned: 1, TimesReopened: 2,
            Place: new Place("city/east/donghu", "east", "donghu", "g-7"), ReceivedAt: "hotline")
        {
            Level = CommandLevel.District,
            Assisting = Departments.Of(["police", "water"]),
            AcknowledgedBy = Departments.Of(["urban-management", "water"]),
            AcknowledgeBy = At.AddMinutes(30), ResolveBy = At.AddHours(4),
            AcknowledgeWindow = TimeSpan.FromMinutes(30), ResolveWindow = TimeSpan.FromHours(4),
            MissedDeadline = At.AddMinutes(-5), Supervised = true,
            Supervisions = [new Dispatch.Domain.Supervision.SupervisionRequest(1, "leader.zhang", At, At.AddHours(4), CommandLevel.City, Overdue: true)],
            Clocks = new Dispatch.Domain.Supervision.CentreClocks(At.AddMinutes(30), true, At.AddHours(24), false, 2),
            MergedInto = new MergeLink(Guid.NewGuid(), "20261205-0001", IncidentState.Assigned),
            Units = [new IncidentUnit(Guid.NewGuid(), "东湖-城管-01", UnitStatus.OnScene, At, TimeSpan.FromMinutes(20), Overdue: true),
                new IncidentUnit(Guid.NewGuid(), "东湖-城管-02", UnitStatus.EnRoute, At.AddMinutes(3), null)],
        };
        var unit = new Unit(Guid.NewGuid(), "东湖-城管-01", "urban-management", "city/east/donghu", ["enforcement", "first-aid"], ["王强", "李明"],
            UnitStatus.OnScene, incident.Id, incident.Number, new KeptPosition(31.2304, 121.4737, 8.5, At, UnitStatus.EnRoute), "unit-01");

        await using (var session = app.Documents().LightweightSession())
        {
            session.Store(incident);
            session.Store(unit);
            await session.SaveChangesAsync();
        }
        output.WriteLine($"Marten's serializer: {app.Documents().Options.Serializer().GetType().FullName}");
        await using var query = app.Documents().QuerySession();
        var incidentBack = await query.LoadAsync<Incident>(incident.Id);
        var unitBack = await query.LoadAsync<Unit>(unit.Id);

        // Records compare lists by reference: compare those by content, the rest as records.
        Assert.NotNull(incidentBack);
        Assert.Equal(incident.Units, incidentBack.Units);
        Assert.Equal(incident.Supervisions, incidentBack.Supervisions);
        Assert.Equal(incident with { Units = incidentBack.Units, Supervisions = incidentBack.Supervisions }, incidentBack);
        Assert.NotNull(unitBack);
        Assert.Equal(unit.Capabilities, unitBack.Capabilities);
        Assert.Equal(unit.Members, unitBack.Members);
        Assert.Equal(unit with { Capabilities = unitBack.Capabilities, Members = unitBack.Members }, unitBack);
    }

    [Fact]
    public async Task The_snapshots_written_with_commands_are_the_fold_of_their_streams()
    {
        var dispatcher = app.Client();
        var unit = await Registered(dispatcher, new Scopes(app).Town.Code);
        var incident = await dispatcher.Acknowledged();
        await SendOk(dispatcher, unit, "on-duty");
        await SendOk(dispatcher, unit, "dispatch", new { incidentId = incident.Id });
        // A kilometre from the scene: an arrival near it would be written on the incident meanwhile (issue 15).
        await SendOk(dispatcher, unit, "position", new { lat = 31.2404, lon = 121.4737, accuracy = 8, reportedAt = DateTimeOffset.UtcNow });

        await AssertSnapshotIsTheFold(app, incident.Id, unit);
        await using var query = app.Documents().QuerySession();
        var snapshot = await query.LoadAsync<Incident>(incident.Id);
        Assert.Equal(IncidentState.Acknowledged, snapshot!.State);
        Assert.Equal(UnitStatus.Dispatched, Assert.Single(snapshot.Units).Status);
        Assert.Equal(UnitStatus.Dispatched, (await query.LoadAsync<Unit>(unit))!.Status);
    }

    [Fact]
    public async Task A_database_from_before_the_snapshots_gets_them_at_start_up_and_its_old_incidents_and_units_take_commands()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        Guid unit;
        Accepted incident;
        var surge = new SurgeKey("city/east/donghu", "road-damage");
        var before = DispatchApp.OnDatabase(database, keepDatabase: true);
        await ((IAsyncLifetime)before).InitializeAsync();
        try
        {
            var dispatcher = before.Client();
            unit = await Registered(dispatcher, new Scopes(before).Town.Code);
            incident = await dispatcher.Assigned();
            await SendOk(dispatcher, unit, "on-duty");
            await SendOk(dispatcher, unit, "dispatch", new { incidentId = incident.Id });
            await using var session = before.Documents().LightweightSession();
            session.Events.StartStream(surge.StreamId,
                new SurgeDetected(surge.StreamId, surge.Town, surge.Category, 12, 2.5, 8, TimeSpan.FromHours(1), At));
            await session.SaveChangesAsync();

            // What the code before snapshots left: streams, cards and roster lines, no snapshot documents, version 5.
            session.DeleteWhere<Incident>(_ => true);
            session.DeleteWhere<Unit>(_ => true);
            session.DeleteWhere<SurgeState>(_ => true);
            session.Store(new Dispatch.Server.Storage.ReadModelVersion { Version = 5 });
            await session.SaveChangesAsync();
            Assert.Null(await session.LoadAsync<Incident>(incident.Id));
        }
        finally
        {
            await ((IAsyncLifetime)before).DisposeAsync();
        }

        var after = DispatchApp.OnDatabase(database, keepDatabase: false);
        await ((IAsyncLifetime)after).InitializeAsync();
        try
        {
            await AssertSnapshotIsTheFold(after, incident.Id, unit);
            await using (var query = after.Documents().QuerySession())
            {
                var state = await query.LoadAsync<SurgeState>(surge.StreamId);
                Assert.Equal(new SurgeState(surge.StreamId, surge, true, At, 1), state);
                Assert.Equal(Dispatch.Server.Storage.ReadModelUpgrade.Current, (await query.LoadAsync<Dispatch.Server.Storage.ReadModelVersion>("incidents"))!.Version);
            }

            // The commands decide on the rebuilt state: only an assigned incident can be acknowledged, only a dispatched unit can go.
            var dispatcher = after.Client();
            await dispatcher.CommandOk(incident.Id, "acknowledge", new { department = Steps.Department });
            await SendOk(dispatcher, unit, "accept-and-go");
            await using (var query = after.Documents().QuerySession())
            {
                Assert.Equal(IncidentState.Acknowledged, (await query.LoadAsync<Incident>(incident.Id))!.State);
                Assert.Equal(UnitStatus.EnRoute, (await query.LoadAsync<Unit>(unit))!.Status);
            }
            await AssertSnapshotIsTheFold(after, incident.Id, unit);
        }
        finally
        {
            await ((IAsyncLifetime)after).DisposeAsync();
        }
    }

    static async Task AssertSnapshotIsTheFold(DispatchApp app, Guid incidentId, Guid unitId)
    {
        await using var query = app.Documents().QuerySession();
        var incident = Fold<Incident>(await query.Events.FetchStreamAsync(incidentId), Incident.Evolve);
        var unit = Fold<Unit>(await query.Events.FetchStreamAsync(unitId), Unit.Evolve);
        var incidentSnapshot = await query.LoadAsync<Incident>(incidentId);
        var unitSnapshot = await query.LoadAsync<Unit>(unitId);
        Assert.NotNull(incidentSnapshot);
        Assert.Equal(incident.Units, incidentSnapshot.Units);
        Assert.Equal(incident.Supervisions, incidentSnapshot.Supervisions);
        Assert.Equal(incident with { Units = incidentSnapshot.Units, Supervisions = incidentSnapshot.Supervisions }, incidentSnapshot);
        Assert.NotNull(unitSnapshot);
        Assert.Equal(unit with { Capabilities = unitSnapshot.Capabilities, Members = unitSnapshot.Members }, unitSnapshot);
        Assert.Equal(unit.Capabilities, unitSnapshot.Capabilities);
    }

    static T Fold<T>(IReadOnlyList<JasperFx.Events.IEvent> events, Func<T?, object, T?> evolve) where T : class =>
        events.Aggregate((T?)null, (state, e) => evolve(state, e.Data))!;

    static async Task<Guid> Registered(HttpClient client, string jurisdiction)
    {
        using var response = await client.PostAsJsonAsync("/api/units", new
        {
            callSign = Api.Unique("快照"), department = Steps.Department, jurisdiction, capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    static async Task SendOk(HttpClient client, Guid unit, string action, object? body = null)
    {
        using var response = await client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }
}
