namespace Dispatch.Domain.Incidents;

// Every step of the loop is one of these, appended to the incident's own stream.
// Each carries who did it and when (处处留痕).

public enum Channel { Hotline, Grid, Web, Sensor }

/// <summary>Urgency keys 1–4 on the intake form.</summary>
public enum Urgency { Low = 1, Normal = 2, High = 3, Critical = 4 }

public enum CancelReason { Duplicate, Invalid }

/// <summary>Why a resolved incident closed other than the usual way (after its callback, or with no number to call).</summary>
public enum CloseReason { CallerNotReached }

/// <summary>What every step of the loop carries: which incident, who, when.</summary>
public interface IIncidentEvent
{
    Guid IncidentId { get; }
    string By { get; }
    DateTimeOffset At { get; }
}

public sealed record GeoPoint(double Lat, double Lon);

public sealed record Caller(string? Name, string? Phone);

/// <summary>
/// Where in the jurisdiction tree an incident lies, by codes (the geometry stays with the tree).
/// <see cref="Path"/> runs from the city down, e.g. <c>demo/dh/dh-01/dh-01-03</c>.
/// </summary>
public sealed record Place(string Path, string? District, string? Town, string? Grid);

/// <summary>Why an incident could not be placed by itself.</summary>
public enum PlacementProblem { OutsideCity, AddressOnly }

/// <summary>
/// A report became an incident. <paramref name="AcceptBy"/>: when it should have been accepted (the centre's clock). <paramref name="ReceivedAt"/> is the path of the centre (desk) that took it: it holds the
/// incident until it is placed in the tree. <paramref name="Finder"/>: the field unit that found it (channel grid).
/// </summary>
public sealed record IncidentReported(
    Guid IncidentId,
    string Number,
    Channel Channel,
    Caller Caller,
    GeoPoint? Location,
    string? Address,
    string Category,
    string Description,
    Urgency Urgency,
    string By,
    DateTimeOffset At,
    string? ReceivedAt = null,
    Finder? Finder = null,
    DateTimeOffset? AcceptBy = null) : IIncidentEvent;

public sealed record IncidentAccepted(Guid IncidentId, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>
/// Handed to a lead department and any assisting ones (多部门共调), each to acknowledge on its own. The deadlines
/// are facts of the assignment (from the deadline policy then), so a later change of policy does not rewrite history.
/// </summary>
public sealed record IncidentAssigned(Guid IncidentId, string Department, string By, DateTimeOffset At,
    IReadOnlyList<string>? Assisting = null, DateTimeOffset? AcknowledgeBy = null, DateTimeOffset? ResolveBy = null) : IIncidentEvent;

/// <summary><paramref name="Received"/>: set when a phone's queued step brought it, later than it happened (<paramref name="At"/>).</summary>
public sealed record IncidentAcknowledged(Guid IncidentId, string Department, string By, DateTimeOffset At,
    DateTimeOffset? Received = null) : IIncidentEvent;

/// <summary><paramref name="Received"/>: as on <see cref="IncidentAcknowledged"/>.</summary>
public sealed record IncidentProgressNoted(Guid IncidentId, string Department, string Note, string By, DateTimeOffset At,
    DateTimeOffset? Received = null) : IIncidentEvent;

public sealed record IncidentReturned(Guid IncidentId, string Department, string Reason, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary><paramref name="Received"/>: as on <see cref="IncidentAcknowledged"/>.</summary>
/// <paramref name="CallbackBy"/>: when the citizen should have been called back (the centre's clock; none without a number).</summary>
public sealed record IncidentResolved(Guid IncidentId, string Department, string Resolution, string By, DateTimeOffset At,
    DateTimeOffset? Received = null, DateTimeOffset? CallbackBy = null) : IIncidentEvent;

public sealed record CitizenCallbackRecorded(Guid IncidentId, int Satisfaction, string? Comment, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary><paramref name="Reason"/>: set when it closed without its callback because the caller could not be reached.</summary>
public sealed record IncidentClosed(Guid IncidentId, string By, DateTimeOffset At, CloseReason? Reason = null) : IIncidentEvent;

public sealed record IncidentReopened(Guid IncidentId, string Reason, string By, DateTimeOffset At) : IIncidentEvent;

public sealed record IncidentCancelled(Guid IncidentId, CancelReason Reason, string? Note, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>Placed in the jurisdiction tree: by its coordinates, or by a dispatcher (<paramref name="Manual"/>).</summary>
public sealed record IncidentPlaced(Guid IncidentId, Place Place, bool Manual, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>Could not be placed by itself: a dispatcher must place it.</summary>
public sealed record IncidentPlacementFlagged(Guid IncidentId, PlacementProblem Problem, string By, DateTimeOffset At) : IIncidentEvent;

public sealed record IncidentLocated(Guid IncidentId, GeoPoint Location, string? Address, string By, DateTimeOffset At) : IIncidentEvent;
