using System.Globalization;
using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Marten;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;

namespace Dispatch.Server.Warnings;

/// <summary>The <c>Dispatch:Warnings</c> settings (docs/configuration.md, "Public warnings").</summary>
public sealed class WarningOptions
{
    public const string Section = "Dispatch:Warnings";

    /// <summary>CAP's sender: the city's warning authority (no spaces or commas); unset, <c>warnings@{city code}</c>.</summary>
    public string? Sender { get; set; }

    /// <summary>CAP's senderName, what people read; unset, the city's name.</summary>
    public string? SenderName { get; set; }

    /// <summary>The address the warning channels reach this server at, for the feed's links; unset, the request's own.</summary>
    public string? PublicBaseUrl { get; set; }
}

/// <summary>
/// Public warnings (CAP 1.2) as effects of a work: <see cref="Issue"/> an alert, <see cref="Update"/> or <see cref="Cancel"/>
/// a series, each a new immutable <see cref="PublicWarning"/> written in the work's transaction with its audit line (and,
/// for an incident's warning, <see cref="PublicWarningIssued"/> on the incident's stream). A plan's warning follows the
/// plan (<see cref="Follow"/>); an operation calls these from its own work.
/// </summary>
public sealed partial class PublicWarnings(CityCatalog city, JurisdictionTree tree, IOptions<WarningOptions> options)
{
    public const string Alert = "Alert", UpdateType = "Update", CancelType = "Cancel";

    public string Sender { get; } = options.Value.Sender is { Length: > 0 } s ? s : $"warnings@{Safe(tree.City.Code)}";
    public string SenderName { get; } = options.Value.SenderName is { Length: > 0 } n ? n : city.Name.Length > 0 ? city.Name : tree.City.Name;

    /// <summary>What an identifier may look like (what we issue); anything else is not one of ours.</summary>
    public static bool IsIdentifier(string? id) => id is { Length: > 0 and <= 100 } && IdentifierShape().IsMatch(id);

    /// <summary>A new alert: the first message of its series; <paramref name="expires"/> when it stops applying by itself.</summary>
    public IReadOnlyList<Effect> Issue(Work work, WarningSource source, WarningText text, WarningArea area, DateTimeOffset? expires = null) =>
        Write(work, Message(work, Alert, series: null, [], source, text, area, note: null, expires));

    /// <summary>A new version of the series' warning (new words, a new area), referencing every earlier message.</summary>
    public async Task<IReadOnlyList<Effect>> Update(Work work, PublicWarning live, WarningText text, WarningArea? area, string note)
    {
        var earlier = await SeriesOf(work.Query, live.Series, work.Cancellation);
        return Write(work, Message(work, UpdateType, live.Series, earlier, live.Source, text, area ?? live.Area, note, live.Expires));
    }

    /// <summary>The series' warning is over: a Cancel referencing every earlier message. The reason stays in the console.</summary>
    public async Task<IReadOnlyList<Effect>> Cancel(Work work, PublicWarning live, string note)
    {
        var earlier = await SeriesOf(work.Query, live.Series, work.Cancellation);
        var text = live.Text with
        {
            Urgency = "Past", Headline = $"解除：{live.Text.Headline}", Instruction = "预警已解除，请恢复正常生产生活。",
        };
        return Write(work, Message(work, CancelType, live.Series, earlier, live.Source, text, live.Area, note));
    }

    /// <summary>
    /// What a plan's step on an incident means for its public warning: the activation of a plan that has one issues the
    /// alert; the stand-down, or the incident's close or cancellation, cancels the warning still out. Called by the incident's work, so the warning is written with
    /// the step, or not at all.
    /// </summary>
    public async Task<IReadOnlyList<Effect>> Follow(Work work, Incident incident, IncidentCommand command, IReadOnlyList<object> events)
    {
        // Most steps neither start nor end a warning: only a plan's activation, its standing down, or the end of the incident.
        var activated = command is ActivatePlan { Plan.Warning: not null } && events.OfType<PlanActivated>().Any();
        var stoodDown = events.OfType<PlanStoodDown>().FirstOrDefault()?.Reason;
        if (!activated && stoodDown is null && !(incident.IsOpen && events.Any(e => e is IncidentClosed or IncidentCancelled or IncidentMergedInto))) return [];
        var after = events.Aggregate(incident, (i, e) => Incident.Evolve(i, e)!);
        if (activated && command is ActivatePlan { Plan: { Warning: { } warning } plan })
        {
            var path = IncidentScope.Of(after).Path;
            return Issue(work, WarningSource.Plan(plan.Code, plan.Version, path, incident.Id, incident.Number), TextOf(plan, warning), AreaOf(path));
        }
        // The plan stood down, or the incident is closed or cancelled with its warning still out (a merge does not pass here).
        var ended = stoodDown ?? (incident.IsOpen && !after.IsOpen ? "the incident is finished" : null);
        if (ended is not null && await Live(work.Query, incident.Id, work.Cancellation) is { } live)
            return await Cancel(work, live, ended);
        return [];
    }

    /// <summary>A plan's warning in CAP's words: the plan's public text, never the incident's.</summary>
    public static WarningText TextOf(ContingencyPlan plan, PlanWarning w) =>
        new(w.Category, w.Event, w.Urgency, w.Severity, w.Certainty, w.Headline,
            $"{plan.Name}已启动，{plan.Level.Numeral()}级响应。", w.Instruction);

    /// <summary>
    /// The area of a warning about a place: the town it lies in (a grid cell is too small to warn, a district too wide),
    /// or the coarser node it is placed at; the whole city when it has no place.
    /// </summary>
    public WarningArea AreaOf(string path)
    {
        var codes = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var node = (codes.Length >= 3 ? tree.Find(codes[2]) : codes.Length > 0 ? tree.Find(codes[^1]) : null) ?? tree.City;
        var names = tree.Lineage(node.Code).Select(n => n.Name).Where(n => n.Length > 0);
        return new WarningArea(string.Join(" ", names), Polygons(node.Boundary));
    }

    /// <summary>CAP polygons of a WGS-84 boundary: each part's outer ring, "lat,lon" pairs, first point repeated last.</summary>
    public static IReadOnlyList<string> Polygons(Geometry boundary)
    {
        var rings = new List<string>();
        for (var i = 0; i < boundary.NumGeometries; i++)
            if (boundary.GetGeometryN(i) is Polygon { ExteriorRing: { } ring } && ring.NumPoints >= 4)
                rings.Add(string.Join(" ", ring.Coordinates.Select(c =>
                    string.Create(CultureInfo.InvariantCulture, $"{Math.Round(c.Y, 6)},{Math.Round(c.X, 6)}"))));
        return rings;
    }

    /// <summary>The warning still out for an incident (its series' newest message, unless that cancelled it).</summary>
    public static async Task<PublicWarning?> Live(IQuerySession query, Guid incidentId, CancellationToken ct)
    {
        var newest = await query.Query<PublicWarning>().Where(w => w.Source.IncidentId == incidentId)
            .OrderByDescending(w => w.Sent).FirstOrDefaultAsync(ct);
        return newest is { MsgType: not CancelType } ? newest : null;
    }

    /// <summary>Every message of a series, oldest first.</summary>
    public static async Task<IReadOnlyList<PublicWarning>> SeriesOf(IQuerySession query, string series, CancellationToken ct) =>
        await query.Query<PublicWarning>().Where(w => w.Series == series).OrderBy(w => w.Sent).ToListAsync(ct);

    PublicWarning Message(Work work, string msgType, string? series, IReadOnlyList<PublicWarning> earlier, WarningSource source,
        WarningText text, WarningArea area, string? note, DateTimeOffset? expires = null)
    {
        var id = $"{Safe(tree.City.Code)}-{Guid.CreateVersion7(work.Now):N}";
        return new PublicWarning
        {
            Id = id, Series = series ?? id, MsgType = msgType, Sender = Sender, SenderName = SenderName,
            Sent = work.Now, SentText = CapTime(work.Now), Expires = expires, ExpiresText = expires is { } e ? CapTime(e) : null,
            References = [.. earlier.Select(e => e.Reference)], Text = text, Area = area, Source = source, By = work.Actor.Login, Note = note,
        };
    }

    /// <summary>A time as CAP takes it: whole seconds, the city's offset (never "Z").</summary>
    string CapTime(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, city.TimeZone);
        return new DateTimeOffset(local.Ticks - local.Ticks % TimeSpan.TicksPerSecond, local.Offset)
            .ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    static IReadOnlyList<Effect> Write(Work work, PublicWarning message)
    {
        var source = message.Source;
        List<Effect> effects =
        [
            new StoreDocument(message, Insert: true),
            new AuditLine("warning." + message.MsgType.ToLowerInvariant(), source.Scope,
                $"{message.Id} {source.Kind} {source.Code}: {message.Text.Headline}{(message.Note is { } n ? $" ({n})" : "")}",
                source.IncidentId, source.Number),
        ];
        if (source.IncidentId is { } incident)
            effects.Add(new IncidentDecided(incident,
                [new PublicWarningIssued(incident, message.Id, message.MsgType, message.Text.Headline, work.Actor.Login, work.Now)], TellCrews: false));
        return effects;
    }

    static string Safe(string code) => NotIdentifier().Replace(code, "-");

    [GeneratedRegex("^[A-Za-z0-9-]+$")]
    private static partial Regex IdentifierShape();

    [GeneratedRegex("[^A-Za-z0-9-]")]
    private static partial Regex NotIdentifier();
}
