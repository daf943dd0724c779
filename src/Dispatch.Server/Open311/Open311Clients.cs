using System.Security.Cryptography;
using System.Text;
using Dispatch.Domain;
using Dispatch.Domain.Access;
using Dispatch.Server.Audit;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace Dispatch.Server.Open311;

/// <summary>
/// An Open311 client (a city app, a partner's portal) allowed to file requests. Its key is shown once when issued and kept
/// only as a SHA-256 hash: a key is 256 random bits, so a fast hash is enough (no password stretching needed).
/// </summary>
public sealed class Open311Client
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string KeyHash { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
    public string IssuedBy { get; set; } = "";
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokedBy { get; set; }
}

/// <summary>What an administrator sends to issue a key: the client's name, as people will read it in the audit trail.</summary>
public sealed record Open311ClientRequest(string? Name);

/// <summary>
/// Client keys: issued and revoked by a city-wide administrator (through the pipeline, audited), checked on every POST.
/// A key reads <c>o311.{client id}.{secret}</c>: the id finds the client, the hash of the whole key must match.
/// </summary>
public sealed class Open311Clients(IDocumentStore store, CommandPipeline pipeline, JurisdictionTree jurisdictions, TimeProvider clock)
{
    public const int MaxName = 100;
    const string Prefix = "o311.";

    public sealed record Issued(string Id, string Name, string Key, DateTimeOffset IssuedAt);

    public sealed record Listed(string Id, string Name, DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset? RevokedAt, string? RevokedBy);

    /// <summary>Whether the actor may manage client keys: an administrator over the whole city (a client files anywhere).</summary>
    public bool MayManage(Actor actor) => actor.Grants.Any(g => g.Role == Role.Admin && AccessRules.Covers(g.Scope, jurisdictions.City.Path));

    /// <summary>What is wrong with a client's name, or null: one line, 1 to <see cref="MaxName"/> characters.</summary>
    public static string? NameProblem(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxName || FreeText.Problem(name) is not null || name.Any(char.IsControl) || name.Any(char.IsSurrogate)
            ? $"Name the client (one line, at most {MaxName} characters): it is what the audit trail shows."
            : null;

    Task<Denial> Deny(Actor actor, string action) =>
        pipeline.Deny(actor, Via.Api, action, "", $"{actor.Login} may not manage Open311 client keys: only a city-wide administrator does.");

    public async Task<(Issued? Issued, Denial? Denied)> Issue(Actor actor, string name, CancellationToken ct)
    {
        if (!MayManage(actor)) return (null, await Deny(actor, "open311.client.issue"));
        var id = "c" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var key = Prefix + id + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        var issued = await pipeline.Run(actor, Via.Api, "open311.client.issue", work =>
        {
            var client = new Open311Client { Id = id, Name = name, KeyHash = Hash(key), IssuedAt = work.Now, IssuedBy = actor.Login };
            return Task.FromResult(Decided.With<Issued>(
                [new StoreDocument(client, Insert: true), new AuditLine("open311.client.issue", "", $"{id} {name}")],
                _ => new Issued(id, name, key, work.Now)));
        }, ct);
        return (issued, null);
    }

    /// <summary>Revokes a client's key; its requests stay. False when there is no such client.</summary>
    public async Task<(Listed? Revoked, Denial? Denied)> Revoke(Actor actor, string id, CancellationToken ct)
    {
        if (!MayManage(actor)) return (null, await Deny(actor, "open311.client.revoke"));
        if (!IsId(id)) return (null, null);
        var revoked = await pipeline.Run(actor, Via.Api, "open311.client.revoke", async work =>
        {
            if (await work.Query.LoadAsync<Open311Client>(id, work.Cancellation) is not { } client) return Decided.Nothing<Listed?>(null);
            if (client.RevokedAt is null)
            {
                client.RevokedAt = work.Now;
                client.RevokedBy = actor.Login;
            }
            return Decided.With<Listed?>([new StoreDocument(client), new AuditLine("open311.client.revoke", "", $"{id} {client.Name}")],
                _ => Listing(client));
        }, ct);
        return (revoked, null);
    }

    public async Task<(IReadOnlyList<Listed>? Clients, Denial? Denied)> List(Actor actor, CancellationToken ct)
    {
        if (!MayManage(actor)) return (null, await Deny(actor, "open311.client.list"));
        await using var query = store.QuerySession();
        var clients = await query.Query<Open311Client>().OrderBy(c => c.IssuedAt).ToListAsync(ct);
        return ([.. clients.Select(Listing)], null);
    }

    /// <summary>
    /// The client a key belongs to, if it is one we issued and did not revoke; otherwise null, and the attempt is kept in
    /// the audit trail (a missing key too: someone is trying to file without one).
    /// </summary>
    public async Task<Open311Client?> Verify(string? key, CancellationToken ct)
    {
        var client = await Find(key, ct);
        if (client is null)
            await AuditTrail.Write(store, clock, ClientOf(key) is { } id ? "open311:" + id : "open311:anonymous", "open311.request", "",
                string.IsNullOrEmpty(key) ? "no api_key" : "wrong or revoked api_key", allowed: false, via: Via.Open311.Name(), ct: ct);
        return client;
    }

    async Task<Open311Client?> Find(string? key, CancellationToken ct)
    {
        if (ClientOf(key) is not { } id) return null;
        await using var query = store.QuerySession();
        var client = await query.LoadAsync<Open311Client>(id, ct);
        return client is { RevokedAt: null }
               && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(client.KeyHash), Encoding.ASCII.GetBytes(Hash(key!)))
            ? client
            : null;
    }

    /// <summary>The client id a key names, if it has our shape (so nothing odd reaches the store).</summary>
    static string? ClientOf(string? key)
    {
        if (key is null || key.Length > 100 || !key.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var rest = key[Prefix.Length..];
        var dot = rest.IndexOf('.');
        var id = dot > 0 ? rest[..dot] : null;
        return IsId(id) ? id : null;
    }

    static bool IsId(string? id) => id is { Length: 13 } && id[0] == 'c' && id[1..].All(char.IsAsciiHexDigitLower);

    /// <summary>The actor a client's requests are filed as: a call-taker over the whole city, named after the client.</summary>
    public Actor ActorOf(Open311Client client) => new("open311:" + client.Id, client.Name, [new Grant(Role.CallTaker, jurisdictions.City.Path)]);

    static Listed Listing(Open311Client c) => new(c.Id, c.Name, c.IssuedAt, c.IssuedBy, c.RevokedAt, c.RevokedBy);

    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// <c>POST /api/open311/clients</c> {name} issues a key (shown in this answer only), <c>GET</c> lists the clients,
    /// <c>DELETE /api/open311/clients/{id}</c> revokes one. City-wide administrators only (403 audited otherwise).
    /// </summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var clients = app.MapGroup("/api/open311/clients").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        clients.MapGet("", async (HttpContext http, Open311Clients keys, CancellationToken ct) =>
            await keys.List(http.Actor(), ct) is ({ } list, _) ? Results.Ok(list) : Forbidden());
        clients.MapPost("", async (HttpContext http, [FromBody] Open311ClientRequest body, Open311Clients keys, CancellationToken ct) =>
        {
            if (NameProblem(body.Name) is { } problem)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [problem] });
            return await keys.Issue(http.Actor(), body.Name!.Trim(), ct) is ({ } issued, _) ? Results.Ok(issued) : Forbidden();
        });
        clients.MapDelete("/{id}", async (string id, HttpContext http, Open311Clients keys, CancellationToken ct) =>
            await keys.Revoke(http.Actor(), id, ct) switch
            {
                (_, { }) => Forbidden(),
                (null, _) => Results.Problem(statusCode: 404, title: "Unknown client", detail: "There is no Open311 client with that id."),
                ({ } revoked, _) => Results.Ok(revoked),
            });
    }

    static IResult Forbidden() =>
        Results.Problem(statusCode: 403, title: "Not allowed", detail: "Only a city-wide administrator manages Open311 client keys.");
}
