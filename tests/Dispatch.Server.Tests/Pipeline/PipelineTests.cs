using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Audit;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Pipeline;

/// <summary>
/// The one write path: what follows from incident events is the same whichever command caused them (a merge frees the
/// duplicate's crews as closing does), every step's audit line says where it came from, and locks come in one order.
/// </summary>
public sealed class PipelineTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    async Task<(Guid Id, string Login)> UnitOnDuty()
    {
        var (login, callSign) = (Api.Unique("unit"), "东湖-城管-" + Api.Unique("")[1..6]);
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var onDuty = await app.Client().PostRaw($"/api/units/{id}/on-duty", "{}");
        await onDuty.ShouldBe(HttpStatusCode.OK);
        return (id, login);
    }

    async Task<UnitRosterEntry> Roster(Guid unit)
    {
        await using var query = app.Documents().QuerySession();
        return (await query.LoadAsync<UnitRosterEntry>(unit))!;
    }

    async Task<IReadOnlyList<AuditEntry>> Trail(Guid incident)
    {
        await using var query = app.Documents().QuerySession();
        return await query.Query<AuditEntry>().Where(a => a.IncidentId == incident).OrderBy(a => a.At).ToListAsync();
    }

    [Fact]
    public async Task Given_a_duplicate_with_a_unit_on_it_when_it_is_merged_then_the_unit_is_freed_and_told_as_closing_would()
    {
        var client = app.Client();
        var target = await client.Accepted(Api.Report(category: "garbage"));
        var duplicate = await client.Assigned(report: Api.Report(category: "garbage"));
        var unit = await UnitOnDuty();
        await using var phone = await UnitDevice.Connect(app, unit.Login);
        using (var sent = await client.PostRaw($"/api/units/{unit.Id}/dispatch", JsonSerializer.Serialize(new { incidentId = duplicate.Id })))
            await sent.ShouldBe(HttpStatusCode.OK);
        await phone.Next(UnitMessageKind.Assignment);
        Assert.Equal(duplicate.Id, (await Roster(unit.Id)).IncidentId);

        var merged = await client.CommandOk(duplicate.Id, "merge", new { into = target.Id });

        var free = await Roster(unit.Id);
        Assert.Equal((UnitStatus.Available, (Guid?)null), (free.Status, free.IncidentId));
        var events = (await app.Events(duplicate.Id)).Select(e => e.Data).ToList();
        Assert.IsType<IncidentMergedInto>(events[^2]);
        var released = Assert.IsType<IncidentUnitStatusChanged>(events[^1]);
        Assert.Equal((unit.Id, UnitStatus.Available), (released.UnitId, released.Status));
        Assert.Equal(merged.Version, await app.StreamVersion(duplicate.Id));
        var told = await phone.Next(UnitMessageKind.Released);
        Assert.Equal(duplicate.Id, told.Body.GetProperty("incidentId").GetGuid());
        Assert.Equal(UnitStatus.Available, (await app.Card(duplicate.Id))!.Units.SingleOrDefault(u => u.Id == unit.Id)?.Status ?? UnitStatus.Available);
    }

    [Fact]
    public async Task Every_step_says_where_it_came_from_in_the_audit_trail()
    {
        var incident = await app.Client().Reported();
        var incidents = app.Services.GetRequiredService<IncidentService>();
        var everyone = new Actor(DispatchApp.DefaultUser, "Test", [new Grant(Role.Dispatcher, _scopes.City.Path)]);
        await using var chat = await ChatClient.Connect(app, Api.Unique("district"), "en", new Grant(Role.Dispatcher, _scopes.District.Path));

        await app.Client().CommandOk(incident.Id, "accept");
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(everyone, incident.Id, new AssignIncident(Steps.Department, ""), null));
        Assert.True((await chat.Post(Channels.Incident(incident.Id).Key, "/escalate 跨镇道路")).Ok);
        var unit = await UnitOnDuty();
        using (var sent = await app.Client().PostRaw($"/api/units/{unit.Id}/dispatch", JsonSerializer.Serialize(new { incidentId = incident.Id })))
            await sent.ShouldBe(HttpStatusCode.OK);
        await using var phone = await UnitDevice.Connect(app, unit.Login);
        Assert.True((await phone.Call("AcceptAndGo")).Ok);

        var trail = (await Trail(incident.Id)).Select(a => (a.Action, a.Via)).ToList();
        Assert.Equal(
            [("incident.report", "api"), ("incident.accept", "api"), ("incident.assign", "console"), ("incident.escalate", "chat"),
             ("unit.dispatch", "api"), ("unit.accept-and-go", "phone")],
            trail);
    }

    [Fact]
    public async Task The_deadline_watch_and_a_denied_attempt_are_traced_with_their_origin()
    {
        var incident = await app.Client().Reported();
        var outsider = app.Client(Api.Unique("other-town"), "en", new Grant(Role.Dispatcher, _scopes.OtherTown.Path));

        using var response = await outsider.Command(incident.Id, "accept");
        await response.ShouldBe(HttpStatusCode.Forbidden);

        var denied = Assert.Single(await Trail(incident.Id), a => !a.Allowed);
        Assert.Equal(("incident.accept", "api"), (denied.Action, denied.Via));
    }

    [Fact]
    public async Task A_work_that_locks_a_unit_before_an_incident_is_stopped_and_writes_nothing()
    {
        var incident = await app.Client().Reported();
        var unit = await UnitOnDuty();
        var pipeline = app.Services.GetRequiredService<CommandPipeline>();
        var actor = new Actor(DispatchApp.DefaultUser, "Test", [new Grant(Role.Dispatcher, _scopes.City.Path)]);

        await app.WritesNothing(incident.Id, async () =>
        {
            var broken = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.Run(actor, Via.System, "test.broken", async work =>
            {
                await work.Unit(unit.Id);
                await work.Incident(incident.Id);
                return Decided.Nothing(true);
            }));
            Assert.Contains("Lock order", broken.Message);
        });
    }
}
