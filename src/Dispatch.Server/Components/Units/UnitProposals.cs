using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Units;

namespace Dispatch.Server.Components.Units;

/// <summary>Why a proposed unit cannot be sent from this console.</summary>
public enum SendBlock
{
    /// <summary>The reader does not dispatch both the unit's home and the incident: the list is read-only for them.</summary>
    NotAllowed,
    /// <summary>Its department neither leads nor assists the incident (the rules would refuse it).</summary>
    NotInvolved,
}

/// <summary>A proposed unit as the drawer lists it: the number key that sends it, or why it cannot be sent.</summary>
public sealed record ProposalRow(ProposedUnit Proposed, int? Key, SendBlock? Block)
{
    public Unit Unit => Proposed.Unit;
    public bool Sendable => Block is null;
}

/// <summary>Why a proposed unit carries a warning: its position is this old, or it is this far (null: not so).</summary>
public sealed record UnitCaution(TimeSpan? OldAge, double? FarMeters)
{
    public bool Any => OldAge is not null || FarMeters is not null;
}

/// <summary>
/// Which proposed units this reader can send with one key: the first nine that they may send
/// (<see cref="AccessRules.MaySend"/>) and whose department works on the incident, in the recommendation's order.
/// Only a hint to keep the keys meaningful: <see cref="UnitService.Handle"/> still decides, and says why not.
/// </summary>
public static class UnitProposals
{
    /// <summary>Nine number keys; chat numbers the same units for <c>/assign 1</c>…<c>/assign 9</c>.</summary>
    public const int Keys = Dispatch.Domain.Chat.SlashCommands.MaxProposal;

    /// <summary>A unit farther than this carries a warning.</summary>
    public const double FarMeters = 1500;

    /// <summary>
    /// The warning a proposed unit carries wherever it sits (issue 19: a stale or far unit never at number 1 unsaid), for
    /// the drawer's list and chat's alike.
    /// </summary>
    public static UnitCaution Caution(ProposedUnit proposed, DateTimeOffset now, TimeSpan cautionAge)
    {
        var age = now - proposed.Unit.LastPosition!.ReportedAt;
        return new(age >= cautionAge ? age : null, proposed.DistanceMeters > FarMeters ? proposed.DistanceMeters : null);
    }

    /// <summary>Whether units can be sent to the incident at all: open, and assigned to a department.</summary>
    public static bool Open(IncidentCard card) =>
        !card.State.IsFinished();

    public static IReadOnlyList<ProposalRow> Rows(Recommendation recommendation, IncidentCard card, Actor actor)
    {
        var rows = new List<ProposalRow>(recommendation.Proposed.Count);
        var key = 0;
        var sending = Open(card) && card.LeadDepartment is not null;
        foreach (var proposed in recommendation.Proposed)
        {
            SendBlock? block = !sending || !AccessRules.MaySend(actor, proposed.Unit.HomePath, card.Scope()) ? SendBlock.NotAllowed
                : !Involved(card, proposed.Unit.Department) ? SendBlock.NotInvolved
                : null;
            rows.Add(new ProposalRow(proposed, block is null && key < Keys ? ++key : null, block));
        }
        return rows;
    }

    public static bool Involved(IncidentCard card, string department) =>
        card.LeadDepartment == department || card.Assisting.Contains(department);

    /// <summary>Whether the reader may release units from the incident: a dispatcher covering the unit's home.</summary>
    public static bool MayRelease(Actor actor, UnitRosterEntry? unit) => unit is not null && AccessRules.MayCommandUnits(actor, unit.HomePath);
}
