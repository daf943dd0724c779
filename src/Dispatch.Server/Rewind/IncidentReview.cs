using Dispatch.Domain;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Chat;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Units;
using Dispatch.Server.Units.Positions;
using JasperFx.Events;
using Marten;

namespace Dispatch.Server.Rewind;

/// <summary>
/// The after-action review of one incident (issue 20): every step of its record beside what the commanding centre's board
/// and the map showed at that moment, the units sent (their steps and tracks), the deadlines against the actual times, the
/// plan's tasks, the incident's chat in order, and the follow-up (callback, supervision). <see cref="Incident"/> is the
/// incident as the reader sees it now (caller masked as in the live drawer; its timeline is in <see cref="Steps"/>).
/// </summary>
public sealed record IncidentReviewReport(
    IncidentDetail Incident, DateTimeOffset BuiltAt, IReadOnlyList<ReviewStep> Steps, IReadOnlyList<ReviewUnit> Units,
    IReadOnlyList<ReviewDeadline> Deadlines, IReadOnlyList<ReviewDeadline> PlanTasks, IReadOnlyList<ReviewChatLine> Chat, ReviewFollowUp FollowUp);

/// <summary>
/// One step: the timeline's entry (who by login and by name, when, what) with its place in the record (<see cref="Sequence"/>),
/// the commanding centre's board at that moment and the map then.
/// </summary>
public sealed record ReviewStep(long Sequence, DateTimeOffset RecordedAt, TimelineEntry Entry, string ByName, CentreBoardLine Board, StepMap Map);

/// <summary>
/// The commanding centre's queue at a step, as the reader may see it: its open rows, this incident's place in it (1 = top;
/// null when it was not on that board, e.g. once closed), how many waited for a dispatcher (reported or accepted, not yet
/// assigned) and how many were past their running deadline at that moment.
/// </summary>
public sealed record CentreBoardLine(string Centre, CommandLevel Level, int Rows, int? Position, int Waiting, int Overdue);

/// <summary>The map at a step: the incident's point then and the units near it or on it (positions as last reported by then).</summary>
public sealed record StepMap(GeoPoint? Incident, IReadOnlyList<MapUnit> Units);

public sealed record MapUnit(Guid Id, string CallSign, UnitStatus Status, double Lat, double Lon, bool OnIncident);

/// <summary>A unit sent to the incident: its steps there (dispatched, en route, on scene, …) and its track over that time.</summary>
public sealed record ReviewUnit(Guid Id, string CallSign, string? Department, IReadOnlyList<ReviewUnitStep> Steps, ReviewTrack Track);

/// <summary>One step of a unit on the incident; <see cref="Kind"/> is the timeline's (UnitDispatched, UnitOnScene, UnitAvailable = released, …).</summary>
public sealed record ReviewUnitStep(string Kind, DateTimeOffset At, string By, string? Text);

/// <summary>The unit's fixes from its dispatch to its release (thinned for drawing); <see cref="Shown"/> false when the reader may not see the unit.</summary>
public sealed record ReviewTrack(bool Shown, DateTimeOffset From, DateTimeOffset To, int Fixes, IReadOnlyList<TrackApi.TrackFix> Points);

/// <summary>One message of the incident's channel; <see cref="Kind"/> tells typed words, a slash command and a system message apart.</summary>
public sealed record ReviewChatLine(long Seq, DateTimeOffset At, MessageKind Kind, string Author, string AuthorName, string Text);

/// <summary>After the work: the callback (satisfaction, attempts, not reached), the resolution, and every supervision request.</summary>
public sealed record ReviewFollowUp(string? Resolution, bool CallbackRecorded, int? Satisfaction, string? CallbackComment, int CallbackAttempts,
    bool CallerNotReached, IReadOnlyList<Supervision.SupervisionView> Supervision);

/// <summary>What asking for a review came to.</summary>
public abstract record ReviewRead
{
    public sealed record Shown(IncidentReviewReport Report) : ReviewRead;
    /// <summary>The person may not open the past at all (a field unit, an administrator without a centre role).</summary>
    public sealed record NotAllowed : ReviewRead;
    /// <summary>No such incident, or one outside the person's rights: the same answer, audited as the live read is.</summary>
    public sealed record NotFound(Denial? Denial = null) : ReviewRead;
}

/// <summary>
/// Builds the review from the record: the incident's own stream for its steps, units and deadlines; <see cref="PastViews"/>
/// for the board and units at each step (the viewer's rights now on the record then); <see cref="UnitTracks"/> for the tracks;
/// <see cref="ChatService"/> for the channel (its own read rule). Who may ask: whoever may rewind
/// (<see cref="PastViews.MayRewind"/>) and may read the incident now (<see cref="IncidentReader.Detail"/>, masking included).
/// Read-only: nothing here writes, except the audit line of a denied read, as for the live drawer.
/// </summary>
public sealed class IncidentReview(
    IDocumentStore store, IncidentReaders readers, PastViews past, UnitTracks tracks, ChatService chat, TimeProvider clock)
{
    /// <summary>Units shown on a step's map besides those on the incident: the nearest within this distance.</summary>
    public const double MapRadiusMeters = 3_000;
    const int MapUnits = 12;
    const int MaxChat = 2_000;
    const string Released = "Unit" + nameof(UnitStatus.Available);
    static readonly IncidentDetailProjection Details = new();

    public async Task<ReviewRead> Read(Actor actor, Guid id, Via via, bool auditDenied = true, CancellationToken ct = default)
    {
        if (!PastViews.MayRewind(actor)) return new ReviewRead.NotAllowed();
        switch (await readers.For(actor).Detail(id, auditDenied, ct))
        {
            case IncidentRead.Shown shown:
                return new ReviewRead.Shown(await Build(actor, shown.Detail, via, ct));
            case IncidentRead.Denied denied:
                return new ReviewRead.NotFound(denied.Denial);
            default:
                return new ReviewRead.NotFound();
        }
    }

    /// <summary>An incident's id by its number, if the person may read it (else null, as for the live lookup).</summary>
    public Task<IncidentCard?> Find(Actor actor, string number, CancellationToken ct = default) => readers.For(actor).Card(number, ct);

    async Task<IncidentReviewReport> Build(Actor actor, IncidentDetail detail, Via via, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<IEvent> events;
        await using (var query = store.QuerySession())
            events = await query.Events.FetchStreamAsync(detail.Id, token: ct);

        var steps = new List<(IEvent Event, TimelineEntry Entry, CentreBoardLine Board, StepMap Map)>();
        IncidentDetail? then = null;
        foreach (var e in events)
        {
            then = Details.Evolve(then, detail.Id, e);
            if (then is null || (Supervision.SupervisionRecord.Entry(e) ?? IncidentTimeline.Entry(e, then.Plan)) is not { } entry) continue;
            // The moment just after this step, as the record had it (the step's own time judges what was overdue then).
            var moment = new Moment(e.Timestamp, e.Sequence);
            // One rewind gives both the board and the map of the step.
            var scene = await past.SceneAt(actor, moment, ct);
            var board = Board(scene.Board, detail.Id, CommandLevels.CentreOf(then.Scope().Path, then.Level), then.Level, entry.At);
            var map = Map(scene.Units, detail.Id, then.Location);
            steps.Add((e, entry, board, map));
        }

        var units = await Units(actor, events, detail, now, via, ct);
        var names = await Names([.. steps.Select(s => s.Entry.By)], ct);
        var finishedAt = detail.State.IsFinished() ? steps.LastOrDefault().Entry?.At : null;
        var closing = events.Select(e => e.Data).OfType<CitizenCallbackRecorded>().LastOrDefault();
        return new IncidentReviewReport(
            detail with { Timeline = [] }, now,
            [.. steps.Select(s => new ReviewStep(s.Event.Sequence, s.Event.Timestamp, s.Entry, names.GetValueOrDefault(s.Entry.By, s.Entry.By), s.Board, s.Map))],
            units,
            ReviewDeadlines.From(events.Select(e => e.Data), now),
            ReviewDeadlines.Tasks(detail.Plan, finishedAt, now),
            await Chat(actor, detail.Id, ct),
            new ReviewFollowUp(detail.Resolution, detail.CallbackRecorded, detail.Satisfaction, closing?.Comment, detail.Follow.CallbackAttempts,
                detail.Follow.CallerNotReached, detail.Follow.Requests));
    }

    /// <summary>The centre's queue in the board's own order (most urgent, then waiting longest), cut from the reader's board then.</summary>
    static CentreBoardLine Board(IReadOnlyList<IncidentCard> board, Guid id, string centre, CommandLevel level, DateTimeOffset at)
    {
        var queue = board.Where(c => c.CentrePath == centre)
            .OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ThenBy(c => c.Number, StringComparer.Ordinal).ToList();
        var index = queue.FindIndex(c => c.Id == id);
        return new CentreBoardLine(centre, level, queue.Count, index < 0 ? null : index + 1,
            queue.Count(c => c.State is IncidentState.Reported or IncidentState.Accepted),
            queue.Count(c => DeadlineClock.StateAt(c.DeadlineFrom ?? at, c.DeadlineDue, at) == DeadlineState.Overdue));
    }

    static StepMap Map(IReadOnlyList<UnitRosterEntry> units, Guid id, GeoPoint? at)
    {
        var placed = units.Where(u => u.Lat is not null && u.Lon is not null)
            .Select(u => (Unit: u, On: u.IncidentId == id, Distance: at is null ? double.MaxValue : Geo.DistanceMeters(at.Lat, at.Lon, u.Lat!.Value, u.Lon!.Value)))
            .Where(x => x.On || x.Distance <= MapRadiusMeters)
            .OrderByDescending(x => x.On).ThenBy(x => x.Distance).Take(MapUnits);
        return new StepMap(at, [.. placed.Select(x => new MapUnit(x.Unit.Id, x.Unit.CallSign, x.Unit.Status, x.Unit.Lat!.Value, x.Unit.Lon!.Value, x.On))]);
    }

    async Task<IReadOnlyList<ReviewUnit>> Units(Actor actor, IReadOnlyList<IEvent> events, IncidentDetail detail, DateTimeOffset now, Via via, CancellationToken ct)
    {
        var byUnit = new Dictionary<Guid, (string CallSign, string? Department, List<ReviewUnitStep> Steps)>();
        foreach (var e in events)
        {
            var (unit, callSign, step, department) = e.Data switch
            {
                IncidentUnitDispatched d => (d.UnitId, d.CallSign, new ReviewUnitStep("UnitDispatched", d.At, d.By, null), d.Department),
                IncidentUnitStatusChanged c => (c.UnitId, c.CallSign, new ReviewUnitStep("Unit" + c.Status, c.At, c.By, null), null),
                IncidentUnitArrivedNearScene a => (a.UnitId, a.CallSign, new ReviewUnitStep("UnitArrivedNearScene", a.At, a.By, FormattableString.Invariant($"{a.DistanceMeters:0} m")), null),
                IncidentUnitOverdue o => (o.UnitId, o.CallSign, new ReviewUnitStep("UnitOverdue", o.At, o.By, Dispatch.Server.Units.UnitTimerCheck.Describe(o)), null),
                _ => (Guid.Empty, "", null!, null),
            };
            if (unit == Guid.Empty) continue;
            if (!byUnit.TryGetValue(unit, out var known)) byUnit[unit] = known = (callSign, department, []);
            known.Steps.Add(step);
        }

        var result = new List<ReviewUnit>();
        await using var query = store.QuerySession();
        foreach (var (id, (callSign, department, steps)) in byUnit)
        {
            var from = steps[0].At;
            var to = steps[^1].Kind == Released ? steps[^1].At : detail.State.IsFinished() ? Max(steps[^1].At, from.AddMinutes(1)) : now;
            if (to <= from) to = from.AddMinutes(1);
            if (to - from > TrackApi.MaxWindow) from = to - TrackApi.MaxWindow;
            var shown = await query.LoadAsync<UnitRosterEntry>(id, ct) is { } entry && AccessRules.MayRead(actor, entry.Scope());
            var track = new ReviewTrack(false, from, to, 0, []);
            // Checked first: a unit the reader may not see is left out quietly, not refused (and audited) on every review.
            if (shown && await tracks.Read(actor, id, from, to, via, ct) is TrackRead.Found found)
                track = new ReviewTrack(true, from, to, found.Track.Fixes.Count, Components.Map.TrackThinning.Thin(found.Track.Fixes));
            result.Add(new ReviewUnit(id, callSign, department, steps, track));
        }
        return result;
    }

    static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>The incident's channel, oldest first, under the chat's own read rule (empty when there is none or it is not theirs).</summary>
    async Task<IReadOnlyList<ReviewChatLine>> Chat(Actor actor, Guid id, CancellationToken ct)
    {
        var key = Channels.Incident(id).Key;
        var lines = new List<ChatMessage>();
        long? before = null;
        while (lines.Count < MaxChat && await chat.History(actor, key, before, ChatService.MaxPageSize, ct) is { Messages.Count: > 0 } page)
        {
            lines.InsertRange(0, page.Messages);
            if (!page.HasMore) break;
            before = page.Messages[0].Seq;
        }
        return [.. lines.OrderBy(m => m.Seq).Select(m => new ReviewChatLine(m.Seq, m.At, m.Kind, m.Author, m.AuthorName, m.Text))];
    }

    /// <summary>People's names by login, for "who" (a login with no account, such as the deadline watch, stays as it is).</summary>
    async Task<Dictionary<string, string>> Names(IReadOnlyCollection<string> logins, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var users = await query.LoadManyAsync<UserAccount>(ct, [.. logins.Distinct()]);
        return users.Where(u => !string.IsNullOrWhiteSpace(u.Name)).ToDictionary(u => u.Id, u => u.Name);
    }
}
