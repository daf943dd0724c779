using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Live;
using Dispatch.Server.Pipeline;
using Marten;
using Npgsql;

namespace Dispatch.Server.Plans;

/// <summary>
/// The plan library's stored versions, the source of the plans in force: on first start the plan file seeds each plan's
/// first stored version; a city-wide administrator revises a plan (<see cref="Revise"/>, the console's /admin/plans and
/// <c>PUT /api/plans/{code}</c>), which appends <see cref="PlanRevised"/> to the plan's stream through the command
/// pipeline, audited with what changed. The commit's notice puts the new version in force on every node
/// (<see cref="PlanChangeListener"/>). An activation records the version it ran; a running plan keeps it.
/// </summary>
public sealed partial class PlanVersions(
    CommandPipeline pipeline, IDocumentStore store, PlanLibrary library, CityCatalog city, JurisdictionTree tree, ILogger<PlanVersions> log)
{
    public const string Channel = "dispatch_plan_changes";
    public const int MaxDefinition = 64 * 1024;

    public sealed record Version(int Number, string By, DateTimeOffset At, string Changes, string Definition);

    public abstract record Outcome
    {
        public sealed record Revised(ContingencyPlan Plan, string Changes) : Outcome;
        public sealed record Invalid(IReadOnlyList<FieldError> Errors) : Outcome;
        public sealed record Denied(Denial Denial) : Outcome;
        /// <summary>The plan was revised since the version the editor started from.</summary>
        public sealed record Conflict(int Edited, int Current) : Outcome;
        public sealed record Unchanged : Outcome;
    }

    /// <summary>Who edits plans: an administrator over the whole city (a plan applies anywhere).</summary>
    public bool MayEdit(Actor actor) => actor.Grants.Any(g => g.Role == Role.Admin && AccessRules.Covers(g.Scope, tree.City.Path));

    /// <summary>A code an admin may give a new plan: lower-case letters, digits and '-', as in the file.</summary>
    public static bool IsCode(string? code) => code is { Length: > 0 and <= 64 } && CodeShape().IsMatch(code);

    /// <summary>Queued in the revision's transaction: every node hears it only if the commit succeeds. Codes are <see cref="IsCode"/>-shaped; quotes doubled all the same.</summary>
    public static void Notify(IDocumentSession session, string code) =>
        session.QueueSqlCommand($"NOTIFY {Channel}, '{code.Replace("'", "''")}'");

    /// <summary>Every stored version of a plan, newest first (none: no such plan).</summary>
    public async Task<IReadOnlyList<Version>> Versions(string code, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return [.. (await Stored(query, code, ct)).Reverse().Select(r => new Version(r.Version, r.By, r.At, r.Changes, r.Definition))];
    }

    static async Task<IReadOnlyList<PlanRevised>> Stored(IQuerySession query, string code, CancellationToken ct) =>
        [.. (await query.Events.FetchStreamAsync(PlanRevisions.StreamOf(code), token: ct)).Select(e => e.Data).OfType<PlanRevised>()];

    /// <summary>
    /// Revises (or adds) plan <paramref name="code"/> from its JSON (the file's shape for one plan), validated as the file
    /// is, faults named. <c>version</c> in it is the version the editor started from: revised since, it is a conflict.
    /// The new version is the stored one plus one. A refusal writes nothing; a denial is audited.
    /// </summary>
    public Task<Outcome> Revise(Actor actor, Via via, string code, string json, CancellationToken ct = default) =>
        pipeline.Run<Outcome>(actor, via, "plan.revise", async work =>
        {
            if (!MayEdit(actor))
                return Decided.Nothing<Outcome>(new Outcome.Denied(await work.Deny("plan.revise", tree.City.Path,
                    $"{actor.Login} may not change contingency plans: city-wide administrators do.")));
            if (!IsCode(code))
                return Decided.Nothing<Outcome>(new Outcome.Invalid([new("code", "plan.code", "A plan code is lower-case letters, digits and '-', at most 64.")]));
            if (json.Length > MaxDefinition)
                return Decided.Nothing<Outcome>(new Outcome.Invalid([new("plan", "plan.too-large", $"A plan is at most {MaxDefinition / 1024} KB of JSON.")]));
            var (plan, faults) = PlanLibraryFile.ParseOne(json, city, tree);
            var errors = faults.Select(f => new FieldError("plan", "plan.invalid", f)).ToList();
            if (plan is not null && plan.Code != code)
                errors.Add(new("code", "plan.code-mismatch", $"The plan's code '{plan.Code}' is not the one in the address, '{code}'."));
            if (errors.Count > 0 || plan is null) return Decided.Nothing<Outcome>(new Outcome.Invalid(errors));

            await work.Hold("plan:" + code);
            var stored = await Stored(work.Query, code, work.Cancellation);
            var current = stored.Count > 0 ? stored[^1] : null;
            if (current is not null && plan.Version != current.Version)
                return Decided.Nothing<Outcome>(new Outcome.Conflict(plan.Version, current.Version));
            var before = current is null ? null : PlanLibraryFile.ParseOne(current.Definition, city, tree).Plan;
            var changes = current is null ? "added" : before is null ? "replaced (the stored version no longer validates)" : PlanRevisions.Changes(before, plan);
            if (changes.Length == 0) return Decided.Nothing<Outcome>(new Outcome.Unchanged());

            var next = plan with { Version = (current?.Version ?? 0) + 1 };
            var revised = new PlanRevised(code, next.Version, PlanLibraryFile.ToJson(next), changes, actor.Login, work.Now);
            return Decided.With<Outcome>(
                [
                    new PlanRevision(PlanRevisions.StreamOf(code), revised, Start: current is null),
                    new AuditLine("plan.revise", tree.City.Path, $"{code} v{next.Version}: {changes}"),
                ],
                _ =>
                {
                    // In force here at once; the other nodes hear the commit's notice.
                    library.Use(next);
                    return new Outcome.Revised(next, changes);
                });
        }, ct);

    /// <summary>
    /// First start: each plan of the file that has no stored version yet is stored as it is (its version, usually 1).
    /// Nodes starting together take turns on the plan's lock, so each plan is seeded once.
    /// </summary>
    public async Task Seed(IReadOnlyList<ContingencyPlan> fromFile, CancellationToken ct)
    {
        foreach (var plan in fromFile)
            await pipeline.Run(CommandPipeline.System, Via.System, "plan.seed", async work =>
            {
                await work.Hold("plan:" + plan.Code);
                if (await work.Query.Events.FetchStreamStateAsync(PlanRevisions.StreamOf(plan.Code), work.Cancellation) is not null)
                    return Decided.Nothing(false);
                var seeded = new PlanRevised(plan.Code, plan.Version, PlanLibraryFile.ToJson(plan), "seeded from the plan file", work.Actor.Login, work.Now);
                return Decided.With<bool>(
                    [
                        new PlanRevision(PlanRevisions.StreamOf(plan.Code), seeded, Start: true),
                        new AuditLine("plan.seed", tree.City.Path, $"{plan.Code} v{plan.Version}"),
                    ], _ => true);
            }, ct);
    }

    /// <summary>Puts the newest stored version of every plan in force (at start, and when notices may have been missed).</summary>
    public async Task LoadAll(CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        var newest = (await query.Events.QueryRawEventDataOnly<PlanRevised>().ToListAsync(ct))
            .GroupBy(r => r.Code).Select(g => g.MaxBy(r => r.Version)!);
        foreach (var revised in newest) Use(revised);
    }

    /// <summary>A notice: plan <paramref name="code"/> has a new version.</summary>
    public async Task Reload(string code, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        if ((await Stored(query, code, ct)) is { Count: > 0 } stored) Use(stored[^1]);
    }

    void Use(PlanRevised revised)
    {
        var (plan, faults) = PlanLibraryFile.ParseOne(revised.Definition, city, tree);
        // The city's settings changed under a stored plan (a department removed): say so, keep what is in force.
        if (plan is null) log.LogError("Stored plan {Code} v{Version} no longer validates: {Faults}", revised.Code, revised.Version, string.Join("; ", faults));
        else library.Use(plan with { Version = revised.Version });
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex CodeShape();
}

/// <summary>
/// Hears <see cref="PlanVersions.Channel"/> on this node for as long as it runs: a plan was revised on some node, so this
/// node puts the new version in force; after a lost connection, every plan is reloaded.
/// </summary>
public sealed class PlanChangeListener(NpgsqlDataSource db, PlanVersions versions, ILogger<PlanChangeListener> log) : BackgroundService
{
    NotificationListener? _listener;

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [PlanVersions.Channel], (channel, code) => _ = Reload(code), () => versions.LoadAll(), log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    async Task Reload(string code)
    {
        try { await versions.Reload(code); }
        catch (Exception ex) { log.LogWarning(ex, "Could not load the new version of plan {Code}", code); }
    }

    protected override Task ExecuteAsync(CancellationToken ct) => _listener!.RunAsync(ct);
}
