using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Units;

/// <summary>
/// The hub a unit's device speaks (the drill tool speaks it too). The device signs in with the unit's own account
/// (<c>POST /api/session</c>); a signed-in user who is not a unit is turned away. On connect it receives every message
/// it has not acknowledged, then each new one as it commits; it moves through its statuses, reports its position,
/// notes progress and resolves its incident here, under the same rules as the console's buttons.
/// </summary>
[Authorize]
public sealed class UnitHub(
    ActorDirectory actors, IQuerySession query, UnitMailbox mailbox, UnitService units, IncidentService incidents, Messages text,
    Positions.UnitPositions positions, TimeProvider clock,
    IHubContext<UnitHub, IUnitClient> hub, ILogger<UnitHub> log) : Hub<IUnitClient>
{
    public const string Path = UnitHubMethods.Path;

    public override async Task OnConnectedAsync()
    {
        if (await actors.Resolve(Context.User) is not { } actor
            || await query.SignedInAs(actor.Login) is not { } unit)
        {
            log.LogWarning("Refused a unit hub connection from {User}: not a unit's sign-in", Context.User?.Identity?.Name);
            Context.Abort();
            return;
        }
        Context.Items[typeof(Actor)] = actor;
        Context.Items[typeof(UnitRosterEntry)] = unit.Id;
        var client = hub.Clients.Client(Context.ConnectionId);
        var connection = Context;
        Context.Items[typeof(UnitMailbox)] = await mailbox.Subscribe(unit.Id, actor.Login, client.Messages, connection.Abort);
        // A password or role change (or a sign-out) on any node ends the connection too.
        Context.Items[typeof(ActorDirectory)] = actors.Watch(Context.User!, connection.Abort);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items[typeof(UnitMailbox)] is IAsyncDisposable subscription) await subscription.DisposeAsync();
        (Context.Items[typeof(ActorDirectory)] as IDisposable)?.Dispose();
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>The unit as the roster shows it now.</summary>
    public async Task<UnitRosterEntry> Me() =>
        positions.Overlay(await query.LoadAsync<UnitRosterEntry>(UnitId) ?? throw new HubException("This unit is no longer on the roll."));

    /// <summary>The unit has message <paramref name="seq"/>: it is not sent again.</summary>
    public Task<bool> Ack(long seq) => mailbox.Ack(UnitId, seq);

    public Task<UnitReply> OnDuty() => Move(new GoOnDuty(""));
    public Task<UnitReply> OffDuty() => Move(new GoOffDuty(""));
    /// <summary>One tap: accept the assignment and go (acknowledges the incident for the unit's department when nobody has).</summary>
    public Task<UnitReply> AcceptAndGo() => Move(new AcceptAndGo(""));
    public Task<UnitReply> EnRoute() => Move(new ReportEnRoute(""));
    public Task<UnitReply> OnScene() => Move(new ReportOnScene(""));
    public Task<UnitReply> Returning() => Move(new StartReturning(""));
    /// <summary>Done here: free for the next job.</summary>
    public Task<UnitReply> Clear() => Move(new ReleaseUnit(""));

    public Task<UnitReply> Position(double lat, double lon, double accuracy, DateTimeOffset reportedAt) =>
        Move(new ReportPosition(lat, lon, accuracy, reportedAt, ""));

    /// <summary>A progress note on the unit's incident, in its department's name.</summary>
    public Task<UnitReply> Note(string note) => OnIncident(unit => new NoteProgress(unit.Department, note ?? "", ""));

    /// <summary>Resolves the unit's incident for its department (the department must lead it).</summary>
    public Task<UnitReply> Resolve(string resolution) => OnIncident(unit => new ResolveIncident(unit.Department, resolution ?? "", ""));

    /// <summary>
    /// A step made on the phone, perhaps offline, sent from its queue in order: applied once per <see cref="QueuedStep.Id"/>
    /// (sent again, it answers what the first answered and writes nothing), decided at <see cref="QueuedStep.OccurredAt"/>
    /// and recorded with the time it arrived. A position goes to the telemetry path with its real time. A field out of
    /// bounds is refused naming it (<see cref="UnitReply.Field"/>), with nothing written.
    /// </summary>
    public Task<UnitReply> Step(QueuedStep step) => UnlessOverloaded(async () =>
    {
        if (PhoneSteps.Check(step, clock.GetUtcNow()) is { } problem)
            return new UnitReply(false, problem.Refusal.Code, text.Refusal(problem.Refusal), Field: problem.Field);
        var unitId = UnitId;
        // Heard before: the first answer at once (the write paths check again under their locks, for a twin in flight).
        if (await query.LoadAsync<AppliedStep>(step.Id) is { } earlier)
            return earlier.UnitId == unitId ? new UnitReply(true, Version: earlier.Version) : Answer(UnitService.StepIdTaken());
        var phone = new PhoneStep(step.Id, step.Step, step.OccurredAt, step.IncidentId);
        if (step.Step == UnitSteps.Position)
        {
            var reply = await Move(new ReportPosition(step.Latitude!.Value, step.Longitude!.Value, step.Accuracy ?? 0, step.OccurredAt, ""));
            return reply.Code is { } code ? reply with { Field = PhoneSteps.FieldOf(code) } : reply;
        }
        var unit = await Me();
        if (step.IncidentId is { } tapped && unit.IncidentId != tapped)
            return new UnitReply(false, "step.incident-changed",
                $"This step was made on another incident than unit {unit.CallSign} is on now{(unit.IncidentNumber is { } n ? $" ({n})" : "")}: not applied.",
                Field: "incidentId");
        UnitCommand? move = step.Step switch
        {
            UnitSteps.OnDuty => new GoOnDuty(""),
            UnitSteps.OffDuty => new GoOffDuty(""),
            UnitSteps.AcceptAndGo => new AcceptAndGo(""),
            UnitSteps.EnRoute => new ReportEnRoute(""),
            UnitSteps.OnScene => new ReportOnScene(""),
            UnitSteps.Returning => new StartReturning(""),
            UnitSteps.Clear => new ReleaseUnit(""),
            _ => null,
        };
        if (move is not null) return Answer(await units.Step(Actor, unitId, move, phone));
        if (unit.IncidentId is not { } incidentId)
            return new UnitReply(false, "unit.no-incident", $"Unit {unit.CallSign} is not on an incident.");
        IncidentCommand command = step.Step == UnitSteps.Note
            ? new NoteProgress(unit.Department, step.Text!.Trim(), "")
            : new ResolveIncident(unit.Department, step.Text!.Trim(), "");
        return Answer(await incidents.Step(Actor, incidentId, command, phone, unitId), unit);
    });

    UnitReply Answer(CommandOutcome outcome, UnitRosterEntry unit) => outcome switch
    {
        CommandOutcome.Done d => new UnitReply(true, Version: d.Version),
        CommandOutcome.Refused r => new UnitReply(false, r.Refusal.Code, text.Refusal(r.Refusal)),
        CommandOutcome.Forbidden f => new UnitReply(false, f.Denial.Code, f.Denial.Message),
        CommandOutcome.Invalid { Errors: [var first, ..] } => new UnitReply(false, first.Code, first.Message, Field: first.Field),
        CommandOutcome.NotFound => new UnitReply(false, "incident.unknown", $"Incident {unit.IncidentNumber} is gone."),
        var other => new UnitReply(false, "incident.invalid", other.ToString()),
    };

    UnitReply Answer(UnitOutcome outcome) => outcome switch
    {
        UnitOutcome.Invalid { Errors: [var first, ..] } => new UnitReply(false, first.Code, first.Message, Field: first.Field),
        UnitOutcome.Done d => new UnitReply(true, Version: d.Version),
        UnitOutcome.Refused r => new UnitReply(false, r.Refusal.Code, text.Refusal(r.Refusal)),
        UnitOutcome.Forbidden f => new UnitReply(false, f.Denial.Code, f.Denial.Message),
        UnitOutcome.NotFound => new UnitReply(false, "unit.unknown", "This unit is no longer on the roll."),
        UnitOutcome.Unavailable u => new UnitReply(false, u.Code, u.Message),
        var other => new UnitReply(false, "unit.invalid", other.ToString()),
    };

    /// <summary>
    /// A problem the crew found (无呼也应): an incident with channel grid where the phone was, credited to the unit. The same
    /// <see cref="FieldReport.Id"/> again answers the first incident and writes nothing (the phone's queue may resend).
    /// </summary>
    public async Task<FieldReportReply> Report(FieldReport report)
    {
        if (report is null) return new FieldReportReply(false, Code: "report.required", Message: text.Field(new("report", "report.required", "Send the report.")), Field: "report");
        try
        {
            return await incidents.Report(report, Actor, Via.Phone) switch
            {
                CommandOutcome.Done d => new FieldReportReply(true, d.Id, d.Number),
                CommandOutcome.Invalid { Errors: [var first, ..] } => new FieldReportReply(false, Code: first.Code, Message: text.Field(first), Field: first.Field),
                CommandOutcome.Refused r => new FieldReportReply(false, Code: r.Refusal.Code, Message: text.Refusal(r.Refusal)),
                CommandOutcome.Forbidden f => new FieldReportReply(false, Code: f.Denial.Code, Message: f.Denial.Message),
                var other => new FieldReportReply(false, Code: "report.invalid", Message: other.ToString()),
            };
        }
        catch (Exception ex) when (OverloadedException.RetryAfterOf(ex) is { } seconds)
        {
            return new FieldReportReply(false, Code: UnitReply.Overloaded, Message: text.Busy(seconds), RetryAfterSeconds: seconds);
        }
    }

    /// <summary>The reports this unit's sign-in filed, newest first, each with where it is in the loop now.</summary>
    public async Task<IReadOnlyList<FiledReport>> MyReports() =>
        await FieldReports.FiledReports.Mine(query, Actor) ?? throw new HubException("Sign in as a unit first.");

    Guid UnitId => Context.Items[typeof(UnitRosterEntry)] as Guid? ?? throw new HubException("Sign in as a unit first.");

    Actor Actor => Context.Items[typeof(Actor)] as Actor ?? throw new HubException("Sign in as a unit first.");

    Task<UnitReply> Move(UnitCommand command) => UnlessOverloaded(async () => Answer(await units.Handle(Actor, UnitId, command, Via.Phone)));

    /// <summary>Past the centre's capacity the device hears so, and when to send the command again; the connection stays.</summary>
    async Task<UnitReply> UnlessOverloaded(Func<Task<UnitReply>> call)
    {
        try { return await call(); }
        catch (Exception ex) when (OverloadedException.RetryAfterOf(ex) is { } seconds)
        {
            return new UnitReply(false, UnitReply.Overloaded, text.Busy(seconds), RetryAfterSeconds: seconds);
        }
    }

    Task<UnitReply> OnIncident(Func<UnitRosterEntry, IncidentCommand> command) => UnlessOverloaded(async () =>
    {
        var unit = await Me();
        if (unit.IncidentId is not { } incidentId)
            return new UnitReply(false, "unit.no-incident", $"Unit {unit.CallSign} is not on an incident.");
        return Answer(await incidents.Handle(Actor, incidentId, command(unit), expectedVersion: null, Via.Phone), unit);
    });
}
