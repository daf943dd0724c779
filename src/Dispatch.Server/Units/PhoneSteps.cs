using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Units;

/// <summary>
/// A step a phone made, perhaps offline (<see cref="QueuedStep"/>), as the write paths carry it: its phone-made id, which
/// makes it apply once, and when the crew tapped.
/// </summary>
public sealed record PhoneStep(Guid Id, string Step, DateTimeOffset OccurredAt, Guid? IncidentId = null);

/// <summary>
/// A phone step that was applied: written in the same transaction as its effects, so a step that arrives again (the
/// phone did not hear the answer, or sent its queue twice) finds it and gets the first answer, writing nothing.
/// </summary>
public sealed class AppliedStep
{
    public Guid Id { get; set; }
    public Guid UnitId { get; set; }
    public string Step { get; set; } = "";
    public Guid? IncidentId { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>The version of the stream the first answer gave (the unit's for a move, the incident's for a note or resolution).</summary>
    public long Version { get; set; }
}

/// <summary>A field of a queued step that is out of bounds: refused with its code, naming the field.</summary>
public sealed record StepProblem(string Field, Refusal Refusal);

/// <summary>The rules a queued step must pass before it is decided, and how its events record the time it arrived.</summary>
public static class PhoneSteps
{
    /// <summary>How far ahead of the server's clock a phone's tap time may be (the same allowance as a position fix).</summary>
    public static readonly TimeSpan ClockSkew = PositionFix.ClockSkew;

    /// <summary>The oldest step accepted: a day in a basement is the longest gap a queue is kept for.</summary>
    public static readonly TimeSpan MaxAge = PositionFix.MaxFixAge;

    /// <summary>What is wrong with <paramref name="step"/> itself, or null. Field names are the contract's, camel-cased.</summary>
    public static StepProblem? Check(QueuedStep? step, DateTimeOffset now)
    {
        if (step is null) return new("step", new Refusal("step.missing", "Send a step: {{ id, step, occurredAt }}."));
        if (step.Id == Guid.Empty) return new("id", new Refusal("step.id", "The step's id is missing: make a new Guid on the phone for each step."));
        if (string.IsNullOrEmpty(step.Step) || !UnitSteps.All.Contains(step.Step))
            return new("step", new Refusal("step.unknown", "Unknown step '{0}': use one of {1}.",
                Short(step.Step ?? ""), string.Join(", ", UnitSteps.All.Order(StringComparer.Ordinal))));
        if (step.OccurredAt == default) return new("occurredAt", new Refusal("step.occurred-at", "The step's occurredAt is missing."));
        if (step.OccurredAt > now + ClockSkew)
            return new("occurredAt", new Refusal("step.future",
                "The step's occurredAt {0:O} is in the future (the server's time is {1:O}); check the phone's clock.", step.OccurredAt, now));
        if (now - step.OccurredAt > MaxAge)
            return new("occurredAt", new Refusal("step.too-old", "The step's occurredAt {0:O} is more than a day old.", step.OccurredAt));
        if (step.Step is UnitSteps.Note or UnitSteps.Resolve)
        {
            if (string.IsNullOrWhiteSpace(step.Text)) return new("text", new Refusal("step.text", "A {0} step needs its text.", step.Step));
            if (step.Text.Length > IncidentCommandParser.MaxText)
                return new("text", new Refusal("step.text-too-long", "The step's text is at most {0} characters; this one has {1}.",
                    IncidentCommandParser.MaxText, step.Text.Length));
        }
        if (step.Step == UnitSteps.Position)
        {
            if (step.Latitude is null) return new("latitude", new Refusal("step.latitude", "A Position step needs its latitude."));
            if (step.Longitude is null) return new("longitude", new Refusal("step.longitude", "A Position step needs its longitude."));
        }
        return null;
    }

    /// <summary>The position refusals' fields, for a queued position the telemetry edge refused.</summary>
    public static string? FieldOf(string code) => code switch
    {
        "position.lat" => "latitude",
        "position.lon" => "longitude",
        "position.accuracy" => "accuracy",
        "position.future" or "position.too-old" => "occurredAt",
        _ => null,
    };

    /// <summary>
    /// The step's events, each that records a time also recording when it arrived (<paramref name="received"/>) beside
    /// when it happened (its <c>At</c>, the phone's tap): the timeline shows both.
    /// </summary>
    public static IReadOnlyList<object> Stamp(IReadOnlyList<object> events, DateTimeOffset received) =>
        [.. events.Select(e => e switch
        {
            IncidentUnitStatusChanged c => c with { Received = received },
            IncidentAcknowledged a => a with { Received = received },
            IncidentProgressNoted n => n with { Received = received },
            IncidentResolved r => r with { Received = received },
            _ => e,
        })];

    /// <summary>The step as applied, to be written with its effects (<see cref="StepApplied"/>).</summary>
    public static AppliedStep Applied(PhoneStep step, Guid unitId, Guid? incidentId, DateTimeOffset received) => new()
    {
        Id = step.Id, UnitId = unitId, Step = step.Step, IncidentId = incidentId, OccurredAt = step.OccurredAt, ReceivedAt = received,
    };

    /// <summary>
    /// The step was applied already (read inside the work, after its locks: a twin waiting on the same lock sees the first
    /// one's commit). Null when it is new.
    /// </summary>
    public static Task<AppliedStep?> Earlier(Work work, PhoneStep step) => work.Query.LoadAsync<AppliedStep>(step.Id, work.Cancellation);

    static string Short(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
