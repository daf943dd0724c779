using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Rewind;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>The record rewound: a card or detail at a past moment is what the read models held then.</summary>
public class PastRecordTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    PastRecord Past => app.Services.GetRequiredService<PastRecord>();

    async Task<T?> Stored<T>(Guid id) where T : class
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.LoadAsync<T>(id);
    }

    async Task<Moment> Now()
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var last = await query.Events.QueryAllRawEvents().OrderByDescending(e => e.Sequence).Select(e => e.Sequence).Take(1).ToListAsync();
        return new Moment(DateTimeOffset.UtcNow, last.Single());
    }

    [Fact]
    public async Task Given_an_accepted_incident_when_rewound_to_before_its_assignment_then_the_card_is_the_accepted_one()
    {
        var client = app.Client();
        var incident = await client.Accepted();
        var accepted = (await Stored<IncidentCard>(incident.Id))!;
        var beforeAssign = await Now();

        await client.CommandOk(incident.Id, "assign", new { department = Steps.Department });
        var assigned = (await Stored<IncidentCard>(incident.Id))!;

        var then = (await Past.CardsAt(beforeAssign)).Open.Single(c => c.Id == incident.Id);
        var now = (await Past.CardsAt(await Now())).Open.Single(c => c.Id == incident.Id);
        Assert.Equal(IncidentState.Accepted, then.State);
        Assert.Equal(Json(accepted), Json(then));
        Assert.Equal(IncidentState.Assigned, now.State);
        Assert.Equal(Json(assigned), Json(now));
    }

    [Fact]
    public async Task Given_a_closed_incident_when_rewound_then_it_is_off_the_board_but_counted_that_day_and_its_detail_is_as_then()
    {
        var client = app.Client();
        var incident = await client.Reported();
        var reported = await Now();
        var closed = await client.Closed(report: null);

        var past = await Past.CardsAt(await Now());
        Assert.DoesNotContain(past.Open, c => c.Id == closed.Id);
        Assert.Contains(past.ClosedThatDay, c => c.Id == closed.Id);

        var detailThen = await Past.DetailAt(incident.Id, reported);
        Assert.NotNull(detailThen);
        Assert.Equal(IncidentState.Reported, detailThen!.State);
        Assert.Null(await Past.DetailAt(closed.Id, reported));
    }

    [Fact]
    public async Task Given_steps_in_a_window_when_listed_then_each_rewinds_to_its_own_state()
    {
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var incident = await app.Client().Acknowledged();

        var steps = (await Past.StepsBetween(from, DateTimeOffset.UtcNow.AddSeconds(5))).Where(s => s.IncidentId == incident.Id).ToList();

        Assert.True(steps.Count >= 4, $"{steps.Count} steps");
        Assert.Equal(steps.OrderBy(s => s.Sequence), steps);
        var states = new List<IncidentState>();
        foreach (var step in steps) states.Add((await Past.DetailAt(incident.Id, step.Moment))!.State);
        Assert.Equal(IncidentState.Reported, states[0]);
        Assert.Equal(IncidentState.Acknowledged, states[^1]);
    }

    [Fact]
    public async Task Given_a_unit_sent_between_incident_steps_when_the_roster_is_rewound_to_now_then_it_is_the_live_line_and_only_unit_events_were_read()
    {
        var client = app.Client();
        var unit = await client.RegisteredUnit(new Scopes(app).Town.Code, "回放");
        await client.UnitOk(unit, "on-duty");
        var incident = await client.Assigned();
        await client.UnitOk(unit, "dispatch", new { incidentId = incident.Id });
        await client.CommandOk(incident.Id, "acknowledge", new { department = Steps.Department });
        var now = await Now();

        var fold = await Past.UnitsFold(now, default);
        var roster = await Past.UnitsAt(now);

        // The rewound line is the live roster's line, field for field.
        var live = (await Stored<UnitRosterEntry>(unit))!;
        Assert.Equal((UnitStatus.Dispatched, incident.Id), (live.Status, live.IncidentId));
        Assert.Equal(Json(live), Json(roster.Single(u => u.Id == unit)));
        // What the fold read after its keyframe: the unit events of that range, none of the incidents' around them.
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var range = await query.Events.QueryAllRawEvents().Where(e => e.Sequence > fold.From && e.Sequence <= now.Sequence).ToListAsync();
        Assert.Contains(range, e => e.Data is IIncidentEvent);
        Assert.Equal(range.Count(e => e.Data is IUnitEvent), fold.Folded);
    }

    static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);
}
