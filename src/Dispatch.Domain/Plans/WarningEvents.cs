namespace Dispatch.Domain.Plans;

/// <summary>
/// A public warning (a CAP 1.2 message) went out about the incident, in the transaction of the step that caused it: the
/// plan's activation (<c>Alert</c>), an update (<c>Update</c>) or its stand-down (<c>Cancel</c>). The message itself is kept
/// by its <paramref name="Identifier"/> and served to the city's warning channels; the incident's record names it.
/// </summary>
public sealed record PublicWarningIssued(Guid IncidentId, string Identifier, string MsgType, string Headline, string By, DateTimeOffset At)
    : Incidents.IIncidentEvent;
