using System.Security.Cryptography;
using System.Text;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Audit;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Marten;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Open311;

/// <summary>
/// What a citizen's Open311 report keeps beside its incident: the client that filed it, the media link it sent, and the
/// hashes of the citizen's two links. The status token is random (256 bits) and only its hash is kept; the rating token
/// is derived from it (HMAC), so the status page can show the rating link without the server keeping either token.
/// </summary>
public sealed class Open311Case
{
    /// <summary>The incident's id.</summary>
    public Guid Id { get; set; }
    public string Number { get; set; } = "";
    public string ClientId { get; set; } = "";
    public string StatusTokenHash { get; set; } = "";
    public string RatingTokenHash { get; set; } = "";
    public string? MediaUrl { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    /// <summary>Set when the citizen used the rating link: it works once.</summary>
    public DateTimeOffset? RatedAt { get; set; }
}

/// <summary>Where a case stands for the citizen, without anything personal: no caller, no description, no staff names.</summary>
public sealed record CaseView(Open311Case Case, IncidentCard Card, IncidentDetail Detail, DateTimeOffset? RatingUntil, string? RatingToken);

/// <summary>Why a rating link did not work (each a 404 to the citizen, and a line in the audit trail).</summary>
public enum RatingProblem { Wrong, Used, Expired, NotYet }

/// <summary>
/// The citizen's side of an Open311 report: the case opened with the incident, its status by the status token, and the
/// one-time rating recorded as the citizen callback through the pipeline.
/// </summary>
public sealed class CitizenCases(IDocumentStore store, CommandPipeline pipeline, TimeProvider clock, IOptions<Open311Options> options)
{
    public const string Citizen = "citizen";
    const string RatingPurpose = "dispatch/open311/rating";

    /// <summary>A new case's status token and the case document to write with the incident.</summary>
    public static (string StatusToken, Open311Case Case) Open(Guid incident, string number, string clientId, string? mediaUrl, DateTimeOffset now)
    {
        var token = Open311Clients.Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, new Open311Case
        {
            Id = incident, Number = number, ClientId = clientId, MediaUrl = mediaUrl, RequestedAt = now,
            StatusTokenHash = Open311Clients.Hash(token), RatingTokenHash = Open311Clients.Hash(RatingToken(token)),
        });
    }

    public static string RatingToken(string statusToken) =>
        Open311Clients.Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(statusToken), Encoding.UTF8.GetBytes(RatingPurpose)));

    /// <summary>Tokens are base64url of 32 bytes: anything else is wrong without asking the store.</summary>
    static bool LooksLikeToken(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The case behind a status link, or null (wrong token: audited).</summary>
    public async Task<CaseView?> Status(string token, CancellationToken ct)
    {
        var view = LooksLikeToken(token) ? await Load(c => c.StatusTokenHash == Open311Clients.Hash(token), token, ct) : null;
        if (view is null) await Refused("open311.status", null, "wrong status token", ct);
        return view;
    }

    /// <summary>The case a rating link belongs to, if the link works now; otherwise why not (audited).</summary>
    public async Task<(CaseView? Case, RatingProblem? Problem)> Rating(string token, CancellationToken ct)
    {
        var view = LooksLikeToken(token) ? await Load(c => c.RatingTokenHash == Open311Clients.Hash(token), null, ct) : null;
        var problem = view is null ? RatingProblem.Wrong : Problem(view.Case, view.Detail, view.Card, clock.GetUtcNow());
        if (problem is { } p) await Refused("open311.rating", view?.Case, $"rating link refused: {p}", ct);
        return problem is null ? (view, null) : (null, problem);
    }

    /// <summary>
    /// Records the citizen's rating as the callback, once: the case and the incident are checked again inside the work
    /// (the incident's stream locked), so two submissions of one link record one rating.
    /// </summary>
    public async Task<RatingProblem?> Rate(string token, int satisfaction, string? comment, CancellationToken ct)
    {
        if (!LooksLikeToken(token)) return await Refuse(RatingProblem.Wrong, null);
        var hash = Open311Clients.Hash(token);
        Open311Case? found;
        await using (var query = store.QuerySession())
            found = await query.Query<Open311Case>().FirstOrDefaultAsync(c => c.RatingTokenHash == hash, ct);
        if (found is null) return await Refuse(RatingProblem.Wrong, null);

        var actor = new Actor($"{Citizen}:{found.Number}", "Citizen", []);
        var problem = await pipeline.Run<RatingProblem?>(actor, Via.Open311, "open311.rate", async work =>
        {
            var stream = await work.Incident(found.Id);
            var @case = await work.Query.LoadAsync<Open311Case>(found.Id, work.Cancellation);
            var card = await work.Query.LoadAsync<IncidentCard>(found.Id, work.Cancellation);
            if (stream.Aggregate is not { } incident || @case is null || card is null) return Decided.Nothing<RatingProblem?>(RatingProblem.Wrong);
            if (Problem(@case, null, card, work.Now) is { } late) return Decided.Nothing<RatingProblem?>(late);
            var decision = IncidentDecider.Decide(incident, new RateOnline(satisfaction, comment, actor.Login), work.Now);
            if (decision.Refusal is { } refusal)
                return Decided.Nothing<RatingProblem?>(refusal.Code == "rating.already" ? RatingProblem.Used : RatingProblem.NotYet);
            @case.RatedAt = work.Now;
            return Decided.With<RatingProblem?>(
            [
                new IncidentDecided(found.Id, decision.Events),
                new AuditLine("open311.rate", IncidentScope.Of(incident).Path, $"{satisfaction}/5", found.Id, found.Number),
                new StoreDocument(@case),
            ], _ => null);
        }, ct);
        return problem is { } p ? await Refuse(p, found) : null;

        async Task<RatingProblem?> Refuse(RatingProblem p, Open311Case? @case)
        {
            await Refused("open311.rating", @case, $"rating refused: {p}", ct);
            return p;
        }
    }

    /// <summary>
    /// Whether the rating link works now: once the request is resolved (Open311's "closed"), not cancelled or merged, not
    /// rated before (here or by a call-taker's callback), and within the lifetime counted from the resolution.
    /// </summary>
    RatingProblem? Problem(Open311Case @case, IncidentDetail? detail, IncidentCard card, DateTimeOffset now)
    {
        if (@case.RatedAt is not null || detail?.CallbackRecorded == true) return RatingProblem.Used;
        if (card.State is not (IncidentState.Resolved or IncidentState.Closed) || card.ResolvedAt is null) return RatingProblem.NotYet;
        return now > card.ResolvedAt.Value + options.Value.RatingLinkLifetime ? RatingProblem.Expired : null;
    }

    async Task<CaseView?> Load(System.Linq.Expressions.Expression<Func<Open311Case, bool>> which, string? statusToken, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var @case = await query.Query<Open311Case>().FirstOrDefaultAsync(which, ct);
        if (@case is null) return null;
        var card = await query.LoadAsync<IncidentCard>(@case.Id, ct);
        var detail = await query.LoadAsync<IncidentDetail>(@case.Id, ct);
        if (card is null || detail is null) return null;
        var now = clock.GetUtcNow();
        var rateable = Problem(@case, detail, card, now) is null;
        return new CaseView(@case, card, detail,
            rateable ? card.ResolvedAt + options.Value.RatingLinkLifetime : null,
            rateable && statusToken is not null ? RatingToken(statusToken) : null);
    }

    Task Refused(string action, Open311Case? @case, string detail, CancellationToken ct) =>
        AuditTrail.Write(store, clock, Citizen, action, "", detail, @case?.Id, @case?.Number, allowed: false, via: Via.Open311.Name(), ct: ct);
}
