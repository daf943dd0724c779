using Dispatch.Domain.Chat;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Chat;

namespace Dispatch.Server.Pipeline;

/// <summary>
/// What a decided command does besides answering, as values: a write path returns these and <see cref="CommandPipeline"/>
/// writes them all in one transaction. None of them is a call made halfway through a handler.
/// </summary>
public abstract record Effect;

/// <summary>A new incident's first events, with the board's change notice.</summary>
public sealed record IncidentStarted(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>A new unit's first events, with the roster's change notice.</summary>
public sealed record UnitStarted(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>
/// Events decided for an incident this work has locked, and what always follows from them: its crews hear what happened
/// (<paramref name="TellCrews"/>: not when the crews' own moves caused it), a finished incident frees every unit still on it,
/// the platform's lines go to its channel and its centre's, and consoles get the change notice.
/// </summary>
public sealed record IncidentDecided(Guid Id, IReadOnlyList<object> Events, bool TellCrews = true) : Effect;

/// <summary>Events decided for a unit this work has locked, with the roster's change notice.</summary>
public sealed record UnitDecided(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>A surge's start or end on its pair's locked stream, with the situation screens' notice.</summary>
public sealed record SurgeDecided(Guid StreamId, object Event) : Effect;

/// <summary>A newly registered device's first event.</summary>
public sealed record DeviceStarted(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>Events decided for a device this work has locked.</summary>
public sealed record DeviceDecided(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>A new operation's first events (平战结合), with the operations' change notice.</summary>
public sealed record OperationStarted(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>Events decided for an operation this work has locked, with the operations' change notice.</summary>
public sealed record OperationDecided(Guid Id, IReadOnlyList<object> Events) : Effect;

/// <summary>A message to a unit's phone, kept until the unit acknowledges it (<see cref="Units.UnitMailbox"/>).</summary>
public sealed record TellUnit(Guid UnitId, Contracts.UnitMessageBody Message) : Effect;

/// <summary>Messages kept for a unit while it was off duty are due now.</summary>
public sealed record WakeUnit(Guid UnitId) : Effect;

/// <summary>Lines for chat channels (a message, the platform's announcement).</summary>
public sealed record PostToChat(IReadOnlyList<ChannelMessagePosted> Messages) : Effect;

/// <summary>
/// The command was typed in chat: its line goes to the incident's channel, saying what it did (<paramref name="Result"/>,
/// given the incident after the work and every event written to it), in place of the platform's line there.
/// </summary>
public sealed record TypedInChat(Guid IncidentId, ChatLine Line, Func<Incident?, IReadOnlyList<object>, ChatResult> Result) : Effect;

/// <summary>Whoever acted has read <paramref name="Channel"/> up to the last line this work posts in it.</summary>
public sealed record ReadUpTo(string Channel) : Effect;

/// <summary>A line of the audit trail, with who, when and via what (the work's).</summary>
public sealed record AuditLine(string Action, string Scope, string? Detail = null, Guid? IncidentId = null, string? Number = null) : Effect;

/// <summary>A document written with the events; <paramref name="Insert"/>: it must be new (an idempotency key, a sign-in).</summary>
public sealed record StoreDocument(object Document, bool Insert = false) : Effect;

/// <summary>A photo's bytes, stored exactly when its event is.</summary>
public sealed record StorePhoto(IncidentPhotoAttached Attached, byte[] Bytes) : Effect;

/// <summary>
/// A phone's queued step was applied (<see cref="Units.AppliedStep"/>): kept with its effects, with the version of
/// <paramref name="VersionOf"/> after them, so the step is never applied twice. Listed after the stream effects it records.
/// </summary>
public sealed record StepApplied(Units.AppliedStep Step, Guid VersionOf) : Effect;

/// <summary>
/// A plan's new version on its stream (<paramref name="Start"/>: its first), with the notice that puts it in force on
/// every node (<see cref="Plans.PlanVersions"/>). The work holds the plan's name lock.
/// </summary>
public sealed record PlanRevision(Guid StreamId, Domain.Plans.PlanRevised Revised, bool Start) : Effect;
