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

/// <summary>
/// Which proposed units this reader can send with one key: the first nine that they may send
/// (<see cref="AccessRules.MaySend"/>) and whose department works on the incident, in the recommendation's order.
/// Only a hint to keep the keys meaningful: <see cref="UnitService.Handle"/> still decides, and says why not.
/// </summary>
public static class UnitProposals
{
    public const int Keys = 9;

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
