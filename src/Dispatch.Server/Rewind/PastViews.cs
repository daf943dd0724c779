using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Warning;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Situation;
using Dispatch.Server.Units;

namespace Dispatch.Server.Rewind;

/// <summary>
/// The past as one person may see it: <see cref="PastRecord"/> cut by the same rules as the live views. The rule is the
/// viewer's rights now applied to the record as it stood then: a card is on their rewound board if it was open then and
/// its scope then lies in theirs (<see cref="IncidentReader.Sees"/>), a detail is masked as the live one is
/// (<see cref="IncidentDetailAccess.For"/>), units as the roster shows them. Field units do not rewind: the past is for
/// the centres (dispatchers, call-takers, leaders, department handlers in their own department).
/// </summary>
public sealed class PastViews(PastRecord past, IncidentReaders readers, CityCatalog city, JurisdictionTree tree, SurgeSettings surge)
{
    /// <summary>Whether the person may open the past at all.</summary>
    public static bool MayRewind(Actor actor) =>
        actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader or Role.CallTaker || g.Role is Role.Handler && g.Department is not null);

    public Task<Moment> MomentAt(DateTimeOffset at, CancellationToken ct = default) => past.MomentAt(at, ct);

    /// <summary>The person's board as it stood at the moment.</summary>
    public async Task<IReadOnlyList<IncidentCard>> BoardAt(Actor actor, Moment moment, CancellationToken ct = default)
    {
        var reader = readers.For(actor);
        return [.. (await past.CardsAt(moment, ct)).Open.Where(reader.Sees)];
    }

    /// <summary>One incident as it stood, masked for the person; null when it did not exist yet or lay outside their rights then.</summary>
    public async Task<IncidentDetail?> DetailAt(Actor actor, Guid id, Moment moment, CancellationToken ct = default)
    {
        var detail = await past.DetailAt(id, moment, ct);
        return detail is not null && AccessRules.Allows(actor, IncidentAction.Read, detail.Scope()) ? detail.For(actor) : null;
    }

    /// <summary>The units the person may see, as they stood (status, incident, last position by then).</summary>
    public async Task<IReadOnlyList<UnitRosterEntry>> UnitsAt(Actor actor, Moment moment, CancellationToken ct = default) =>
        [.. (await past.UnitsAt(moment, ct)).Where(u => AccessRules.MayRead(actor, u.Scope())).OrderBy(u => u.CallSign, StringComparer.Ordinal)];

    /// <summary>
    /// The situation screen's figures for <paramref name="scope"/> as they stood, from the cards and units of that moment
    /// through the live screen's own ledger. Not rewound (empty): the KPI leaders and the usual-day baseline of the trend.
    /// </summary>
    public async Task<SituationPicture> SituationAt(string scope, Moment moment, CultureInfo culture, CancellationToken ct = default)
    {
        var cards = await past.CardsAt(moment, ct);
        var ledger = new SituationLedger(city, tree, surge);
        ledger.Rollover(moment.At);
        foreach (var card in cards.Open.Concat(cards.ClosedThatDay)) ledger.Apply(card);
        foreach (var unit in await past.UnitsAt(moment, ct)) ledger.Apply(unit);
        return ledger.Picture(scope, moment.At, culture);
    }
}
