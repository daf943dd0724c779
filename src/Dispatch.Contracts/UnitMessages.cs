using System.Text.Json;
using System.Text.Json.Serialization;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Contracts;

/// <summary>The kinds of message a unit receives: the <see cref="UnitMessage.Kind"/> on the wire and in the store.</summary>
public static class UnitMessageKind
{
    /// <summary>Sent to an incident: <see cref="AssignmentMessage"/>.</summary>
    public const string Assignment = "assignment";
    /// <summary>Its incident changed (escalated, resolved, reassigned…): <see cref="IncidentChangedMessage"/>.</summary>
    public const string Incident = "incident";
    /// <summary>Someone else moved the unit (a dispatcher set its status): <see cref="StatusSetMessage"/>.</summary>
    public const string Status = "status";
    /// <summary>Its incident was closed or cancelled, or a dispatcher released it: <see cref="ReleasedMessage"/>.</summary>
    public const string Released = "released";
    /// <summary>Words from a dispatcher: <see cref="DispatcherTextMessage"/>.</summary>
    public const string Text = "message";
    /// <summary>The board flagged the unit for staying too long in its status: <see cref="OverdueMessage"/>.</summary>
    public const string Overdue = "overdue";
}

/// <summary>
/// One message to a unit as the hub sends it: <see cref="Seq"/> numbers the unit's messages 1, 2, 3… in commit order.
/// The body stays raw JSON on the wire so a phone can carry a kind it does not know yet; <see cref="Read"/> types it.
/// </summary>
public sealed record UnitMessage(long Seq, string Kind, DateTimeOffset At, JsonElement Body)
{
    /// <summary>The body as its kind's record, or <see cref="UnknownMessage"/> when this reader cannot make sense of it.</summary>
    public UnitMessageBody Read() => UnitMessageBody.Read(Kind, Body);
}

/// <summary>
/// The body of a unit message. Compatibility rule (phones are not all upgraded at once, and stored messages outlive a
/// release):
/// <list type="bullet">
/// <item>Every body carries the contract version it was written with, <c>"v"</c> (<see cref="Current"/>); a body
/// without one was stored before versioning and reads as version 1 (its enums may be numbers: they read too).</item>
/// <item>Within a kind, a new version may only add fields, each optional to readers. Nothing is renamed, removed or
/// given another type or meaning; a change that needs that is a new kind, with a new name.</item>
/// <item>Readers ignore fields they do not know, and show a kind (or an enum value) they do not know as something
/// generic (<see cref="UnknownMessage"/>) instead of failing: acknowledged all the same.</item>
/// </list>
/// </summary>
public abstract record UnitMessageBody(string Kind)
{
    /// <summary>The version this build writes. Version 1: the kinds and fields as they are below.</summary>
    public const int Current = 1;

    [JsonPropertyName("v")]
    public int ContractVersion { get; init; } = Current;

    /// <summary>Its <see cref="UnitMessageKind"/>; travels beside the body, not in it.</summary>
    [JsonIgnore]
    public string Kind { get; } = Kind;

    /// <summary>The record for <paramref name="kind"/>; <see cref="UnknownMessage"/> for a kind or a body this build cannot read.</summary>
    public static UnitMessageBody Read(string kind, JsonElement body)
    {
        var type = kind switch
        {
            UnitMessageKind.Assignment => typeof(AssignmentMessage),
            UnitMessageKind.Incident => typeof(IncidentChangedMessage),
            UnitMessageKind.Status => typeof(StatusSetMessage),
            UnitMessageKind.Released => typeof(ReleasedMessage),
            UnitMessageKind.Text => typeof(DispatcherTextMessage),
            UnitMessageKind.Overdue => typeof(OverdueMessage),
            _ => null,
        };
        if (type is null || body.ValueKind != JsonValueKind.Object) return new UnknownMessage(kind, body);
        // An enum value added by a newer server, or a field of the wrong type, must not take the phone down.
        try { return body.Deserialize(type, ContractJson.Options) as UnitMessageBody ?? new UnknownMessage(kind, body); }
        catch (JsonException) { return new UnknownMessage(kind, body); }
    }

    /// <summary>The body as it is stored and sent: JSON of its own type, enums as names.</summary>
    public JsonElement ToJson() => JsonSerializer.SerializeToElement(this, GetType(), ContractJson.Options);
}

/// <summary>What a crew needs to go: no caller details (they call through the centre), a map link for the phone.</summary>
public sealed record AssignmentMessage(
    Guid IncidentId, string Number, string Category, Urgency Urgency, string? Description, string? Address,
    double? Lat, double? Lon, string? MapUrl, string? Place, string? LeadDepartment, string By) : UnitMessageBody(UnitMessageKind.Assignment);

/// <summary>The unit's incident as it stands after a change; <see cref="Changes"/> names the events ("Escalated", "Resolved"…).</summary>
public sealed record IncidentChangedMessage(
    Guid IncidentId, string Number, IncidentState State, CommandLevel Level, string? LeadDepartment, IReadOnlyList<string> Changes,
    string By) : UnitMessageBody(UnitMessageKind.Incident);

/// <summary>
/// Someone else moved the unit: <see cref="Command"/> is the move's name ("on-duty", "off-duty", "en-route"…);
/// <see cref="ByName"/> the person's name for the crew to read (null from older servers: show <see cref="By"/>).
/// </summary>
public sealed record StatusSetMessage(string Command, string? IncidentNumber, string By, string? ByName = null) : UnitMessageBody(UnitMessageKind.Status);

/// <summary>Free again: its incident was closed or cancelled, or a dispatcher released it (<see cref="ByName"/> as in <see cref="StatusSetMessage"/>).</summary>
public sealed record ReleasedMessage(Guid? IncidentId, string? IncidentNumber, string By, string? ByName = null) : UnitMessageBody(UnitMessageKind.Released);

/// <summary>A dispatcher's words to the unit.</summary>
public sealed record DispatcherTextMessage(string From, string FromName, string Text) : UnitMessageBody(UnitMessageKind.Text);

/// <summary>The board flagged the unit: in <see cref="Status"/> since <see cref="Since"/>, longer than <see cref="LimitMinutes"/>.</summary>
public sealed record OverdueMessage(Guid IncidentId, string IncidentNumber, UnitStatus Status, DateTimeOffset Since, int LimitMinutes)
    : UnitMessageBody(UnitMessageKind.Overdue);

/// <summary>A message this build cannot read (a kind or a value from a newer server): shown generically, acknowledged all the same.</summary>
public sealed record UnknownMessage(string OfKind, JsonElement Body) : UnitMessageBody(OfKind);
