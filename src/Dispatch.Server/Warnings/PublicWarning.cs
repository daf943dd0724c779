namespace Dispatch.Server.Warnings;

/// <summary>
/// The words of a public warning, CAP 1.2's info block: <see cref="Category"/>, <see cref="Urgency"/>,
/// <see cref="Severity"/> and <see cref="Certainty"/> take CAP's values. Public text only: never a caller's details, never
/// an incident's own description.
/// </summary>
public sealed record WarningText(string Category, string Event, string Urgency, string Severity, string Certainty,
    string Headline, string Description, string Instruction);

/// <summary>Where the warning applies: a description people read and CAP polygons (<c>"lat,lon lat,lon …"</c>, closed rings); none is allowed.</summary>
public sealed record WarningArea(string Description, IReadOnlyList<string> Polygons);

/// <summary>
/// What issued the warning: a plan on an incident (<see cref="IncidentId"/> set) or an operation; <see cref="Scope"/> is the
/// jurisdiction path whose dispatchers may update it.
/// </summary>
public sealed record WarningSource(string Kind, string Code, int? Version, string Scope, Guid? IncidentId = null, string? Number = null)
{
    public static WarningSource Plan(string code, int version, string scope, Guid incidentId, string number) =>
        new("plan", code, version, scope, incidentId, number);

    public static WarningSource Operation(string code, string scope) => new("operation", code, null, scope);
}

/// <summary>
/// One CAP 1.2 message as it was sent, kept by its identifier and never changed: an update or a cancellation is a new
/// message that references the earlier ones (<see cref="References"/>, CAP's <c>sender,identifier,sent</c>), all in one
/// <see cref="Series"/> (the first alert's identifier). Written in the transaction of the step that issued it.
/// </summary>
public sealed class PublicWarning
{
    /// <summary>CAP's identifier: letters, digits and '-' only (no spaces, commas, '&lt;' or '&amp;').</summary>
    public string Id { get; set; } = "";
    public string Series { get; set; } = "";
    /// <summary>Alert, Update or Cancel.</summary>
    public string MsgType { get; set; } = "";
    public string Sender { get; set; } = "";
    public string SenderName { get; set; } = "";
    public DateTimeOffset Sent { get; set; }
    /// <summary>The sent time as the message gives it, in the city's offset (CAP never takes "Z").</summary>
    public string SentText { get; set; } = "";
    public List<string> References { get; set; } = [];
    public string Language { get; set; } = "zh-CN";
    public WarningText Text { get; set; } = null!;
    /// <summary>When the warning stops applying (CAP's expires, an operation's until-time); none for a plan's or a cancellation.</summary>
    public DateTimeOffset? Expires { get; set; }
    /// <summary>The expiry as the message gives it, in the city's offset.</summary>
    public string? ExpiresText { get; set; }
    public WarningArea Area { get; set; } = null!;
    public WarningSource Source { get; set; } = null!;
    /// <summary>Who issued it (the console only; never in the public alert).</summary>
    public string By { get; set; } = "";
    /// <summary>Why an update or cancellation was sent (CAP's note).</summary>
    public string? Note { get; set; }

    /// <summary>This message as later messages reference it.</summary>
    public string Reference => $"{Sender},{Id},{SentText}";
}
