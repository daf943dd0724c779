using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Warning;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Situation;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.Rewind;

/// <summary>What one screen shows of a moment: the person's board and the units they may see, as they stood.</summary>
public sealed record PastScene(IReadOnlyList<IncidentCard> Board, IReadOnlyList<UnitRosterEntry> Units);

/// <summary>
/// The past as one person may see it: <see cref="PastRecord"/> cut by the same rules as the live views. The rule is the
/// viewer's rights now applied to the record as it stood then: a card is on their rewound board if it was open then and
/// its scope then lies in theirs (<see cref="IncidentReader.Sees"/>), a detail is shown if it then lay in their rights
/// (<see cref="MayRead"/>: else denied and audited, as live) and masked as the live one is (<see cref="IncidentDetailAccess.For"/>),
/// a scrubber's steps are those of the incidents they may read (<see cref="StepsBetween"/>), units as the roster shows them. Field units do not rewind: the past is for
/// the centres (dispatchers, call-takers, leaders, department handlers in their own department).
/// A moment before the first event is an empty city: nothing is read for it.
/// </summary>
public sealed class PastViews(PastRecord past, IncidentReaders readers, CityCatalog city, JurisdictionTree tree, SurgeSettings surge,
    IDocumentStore store, CommandPipeline pipeline)
{
    /// <summary>The parts of a past situation picture that are not rewound (left empty): its <c>notRewound</c> says so.</summary>
    public static readonly IReadOnlyList<string> SituationNotRewound = ["leaders", "surges"];

    /// <summary>Whether the person may open the past at all.</summary>
    public static bool MayRewind(Actor actor) =>
        actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader or Role.CallTaker || g.Role is Role.Handler && g.Department is not null);

    public Task<Moment> MomentAt(DateTimeOffset at, CancellationToken ct = default) => past.MomentAt(at, ct);

    /// <summary>The person's board as it stood at the moment.</summary>
    public async Task<IReadOnlyList<IncidentCard>> BoardAt(Actor actor, Moment moment, CancellationToken ct = default) =>
        moment.Sequence == 0 ? [] : Board(actor, await past.CardsAt(moment, ct));

    /// <summary>
    /// The person's board and units as they stood, from one rewind (<see cref="PastRecord.StateAt"/>): for a screen that
    /// shows both at each moment (the review's steps, the past map), which would otherwise rewind twice.
    /// </summary>
    public async Task<PastScene> SceneAt(Actor actor, Moment moment, CancellationToken ct = default)
    {
        if (moment.Sequence == 0) return new([], []);
        var state = await past.StateAt(moment, ct);
        return new(Board(actor, state.Cards), Units(actor, state.Units));
    }

    IReadOnlyList<IncidentCard> Board(Actor actor, PastCards cards)
    {
        var reader = readers.For(actor);
        return [.. cards.Open.Where(reader.Sees)];
    }

    static IReadOnlyList<UnitRosterEntry> Units(Actor actor, IReadOnlyList<UnitRosterEntry> units) =>
        [.. units.Where(u => AccessRules.MayRead(actor, u.Scope())).OrderBy(u => u.CallSign, StringComparer.Ordinal)];

    /// <summary>The past's rule for one incident: the person may read it if their rights now cover where it lay then.</summary>
    public static bool MayRead(Actor actor, IncidentDetail then) => AccessRules.Allows(actor, IncidentAction.Read, then.Scope());

    /// <summary>
    /// One incident as it stood, answered as the live read answers (<see cref="IncidentReader.Detail"/>): shown, masked for
    /// the person; not found when it had not been reported by then; denied when it lay outside their rights then, and with
    /// <paramref name="auditDenied"/> logged and kept in the audit trail as a denied live read is (<c>incident.read</c>,
    /// code <c>access.denied</c>). Why not "not found" there: the live read already confirms that the incident exists,
    /// so hiding it in the past hid nothing, and a denied past read went unrecorded.
    /// </summary>
    public async Task<IncidentRead> Detail(Actor actor, Guid id, Moment moment, Via? via, bool auditDenied = true, CancellationToken ct = default)
    {
        if (moment.Sequence == 0 || await past.DetailAt(id, moment, ct) is not { } then) return new IncidentRead.NotFound();
        if (MayRead(actor, then)) return new IncidentRead.Shown(then.For(actor));
        if (!auditDenied) return new IncidentRead.Denied(null);
        var scope = then.Scope().Path;
        var at = moment.At.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return new IncidentRead.Denied(await pipeline.Deny(actor, via, "incident.read", scope,
            $"{actor.Login} may not read incident {then.Number} as it stood at {at}: it lay at {(scope.Length == 0 ? "the city" : scope)}, outside what your roles cover.",
            then.Id, then.Number, ct));
    }

    /// <summary>One incident as it stood, masked for the person; null when it did not exist yet or lay outside their rights then (not audited).</summary>
    public async Task<IncidentDetail?> DetailAt(Actor actor, Guid id, Moment moment, CancellationToken ct = default) =>
        await Detail(actor, id, moment, via: null, auditDenied: false, ct) is IncidentRead.Shown shown ? shown.Detail : null;

    /// <summary>
    /// The recorded steps in a window that the person may step over: those of the incidents they may read as each stood at
    /// its last step in the window (<see cref="MayRead"/>), so a scrubber never stops on, or jumps to, an incident outside
    /// their rights. One small fold per incident in the window; nothing is audited (a list is cut, nothing was asked for).
    /// </summary>
    public async Task<IReadOnlyList<RecordedStep>> StepsBetween(Actor actor, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        var steps = await past.StepsBetween(from, to, ct: ct);
        var visible = new HashSet<Guid>();
        foreach (var last in steps.GroupBy(s => s.IncidentId).Select(g => g.MaxBy(s => s.Sequence)!))
            if (await past.DetailAt(last.IncidentId, last.Moment, ct) is { } then && MayRead(actor, then)) visible.Add(last.IncidentId);
        return [.. steps.Where(s => visible.Contains(s.IncidentId))];
    }

    /// <summary>The units the person may see, as they stood (status, incident, last position by then).</summary>
    public async Task<IReadOnlyList<UnitRosterEntry>> UnitsAt(Actor actor, Moment moment, CancellationToken ct = default) =>
        moment.Sequence == 0 ? [] : Units(actor, await past.UnitsAt(moment, ct));

    /// <summary>
    /// The situation screen's figures for <paramref name="scope"/> as they stood, from the cards and units of that moment
    /// through the live screen's own ledger, with the trend's usual day from the reports of the days before (as the live
    /// screen loads them at start). Not rewound (empty): the KPI leaders and the surge alerts.
    /// </summary>
    public async Task<SituationPicture> SituationAt(string scope, Moment moment, CultureInfo culture, CancellationToken ct = default)
    {
        var (cards, units) = await past.StateAt(moment, ct); // one rewind for both
        var ledger = new SituationLedger(city, tree, surge);
        ledger.Rollover(moment.At);
        await CountDaysBefore(ledger, ct);
        foreach (var card in cards.Open.Concat(cards.ClosedThatDay)) ledger.Apply(card);
        foreach (var unit in units) ledger.Apply(unit);
        return ledger.Picture(scope, moment.At, culture);
    }

    /// <summary>
    /// The reports of the baseline days before the moment's day, by town and category: what the live screen tallies for
    /// the usual day. A report time never changes, so today's cards give those days' reports as they were; the town is
    /// the incident's town now (one moved to another town since counts there).
    /// </summary>
    async Task CountDaysBefore(SituationLedger ledger, CancellationToken ct)
    {
        var midnight = ledger.MidnightOf(ledger.Day);
        var since = ledger.MidnightOf(ledger.Day.AddDays(-surge.BaselineDays));
        await using var query = store.QuerySession();
        var reports = await query.Query<IncidentCard>().Where(c => c.ReportedAt >= since && c.ReportedAt < midnight)
            .Select(c => new Report(c.ScopePath, c.Category, c.ReportedAt)).ToListAsync(ct);
        foreach (var r in reports) ledger.Count(r.ScopePath, r.Category, r.ReportedAt);
    }

    sealed record Report(string ScopePath, string Category, DateTimeOffset ReportedAt);
}
