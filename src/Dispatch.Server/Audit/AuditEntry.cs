using Marten;

namespace Dispatch.Server.Audit;

/// <summary>
/// One line of the audit trail (处处留痕): who did what, when, to which incident, allowed or refused. Written in
/// the same transaction as the change it records, so the trail and the data never disagree.
/// </summary>
public sealed class AuditEntry
{
    public Guid Id { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>The login of who acted ("anonymous" for a failed sign-in's unknown name is never used: the typed name is kept).</summary>
    public string User { get; set; } = "";
    /// <summary>What was done: <c>incident.assign</c>, <c>caller.reveal</c>, <c>signin</c>, <c>user.create</c> …</summary>
    public string Action { get; set; } = "";
    public Guid? IncidentId { get; set; }
    public string? Number { get; set; }
    /// <summary>Where in the tree it happened (the incident's path, or the user's), so audit readers see their own part.</summary>
    public string Scope { get; set; } = "";
    public string? Detail { get; set; }
    /// <summary>False when the attempt was refused for lack of rights, or a sign-in failed.</summary>
    public bool Allowed { get; set; } = true;
    /// <summary>Where the step came from: console, api, chat, phone or system (<see cref="Pipeline.Via"/>); null on older lines.</summary>
    public string? Via { get; set; }
}

public static class AuditTrail
{
    public const int MaxDetail = 500;

    /// <summary>Adds an entry to the session: it commits with whatever else the session saves.</summary>
    public static void Record(IDocumentSession session, TimeProvider clock, string user, string action, string scope,
        string? detail = null, Guid? incidentId = null, string? number = null, bool allowed = true, string? via = null)
    {
        var now = clock.GetUtcNow();
        // A new line each time: a plain insert, not an upsert.
        session.Insert(new AuditEntry
        {
            Id = Guid.CreateVersion7(now), At = now, User = user, Action = action, Scope = scope,
            Detail = detail is { Length: > MaxDetail } ? detail[..MaxDetail] + "…" : detail,
            IncidentId = incidentId, Number = number, Allowed = allowed, Via = via,
        });
    }

    /// <summary>Records one entry on its own (a refusal, a sign-in, a reveal).</summary>
    public static async Task Write(IDocumentStore store, TimeProvider clock, string user, string action, string scope,
        string? detail = null, Guid? incidentId = null, string? number = null, bool allowed = true, string? via = null,
        CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        Record(session, clock, user, action, scope, detail, incidentId, number, allowed, via);
        await session.SaveChangesAsync(ct);
    }
}
