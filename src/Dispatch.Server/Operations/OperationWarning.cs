using System.Globalization;
using Dispatch.Domain.Operations;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Warnings;
using Marten;

namespace Dispatch.Server.Operations;

/// <summary>
/// An operation's public warning (CAP 1.2, through <see cref="PublicWarnings"/>): issued with the declaration when it
/// carries one, over the operation's own area, expiring at its until-time; cancelled when it is ended by hand. Its
/// source is the operation (its id, its desk), so the desk's dispatchers and leaders may update its words.
/// </summary>
public static class OperationWarning
{
    public static WarningSource Source(Guid operation, string desk) => WarningSource.Operation(operation.ToString(), desk);

    /// <summary>The declared words; the description says what is on and when, never more.</summary>
    public static WarningText Text(OperationDeclared d, PlanWarning w, CityCatalog city) =>
        new(w.Category, w.Event, w.Urgency, w.Severity, w.Certainty, w.Headline,
            string.Create(CultureInfo.InvariantCulture, $"{d.Name}：{city.ToLocal(d.From):yyyy-MM-dd HH:mm}至{city.ToLocal(d.Until):yyyy-MM-dd HH:mm}。"),
            w.Instruction);

    /// <summary>
    /// Where it applies: the drawn polygon (closed, as CAP wants), or the boundaries of the jurisdictions it names, with
    /// their names as the description.
    /// </summary>
    public static WarningArea Area(OperationDeclared d, JurisdictionTree tree)
    {
        if (d.Area.Polygon is { Count: >= 3 } ring)
        {
            var points = ring.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Math.Round(p.Lat, 6)},{Math.Round(p.Lon, 6)}")).ToList();
            if (points[0] != points[^1]) points.Add(points[0]);
            return new WarningArea($"{d.Name}（{tree.NameOf(d.Desk)}）", [string.Join(" ", points)]);
        }
        var nodes = (d.Area.Jurisdictions ?? []).Select(path => tree.Find(path[(path.LastIndexOf('/') + 1)..])).OfType<Jurisdiction>().ToList();
        return new WarningArea(string.Join("、", nodes.Select(n => n.Name)), [.. nodes.SelectMany(n => PublicWarnings.Polygons(n.Boundary))]);
    }

    /// <summary>The operation's warning still out (its series' newest message, unless that cancelled it).</summary>
    public static async Task<PublicWarning?> Live(IQuerySession query, Guid operation, CancellationToken ct)
    {
        var code = operation.ToString();
        var newest = await query.Query<PublicWarning>().Where(w => w.Source.Kind == "operation" && w.Source.Code == code)
            .OrderByDescending(w => w.Sent).FirstOrDefaultAsync(ct);
        return newest is { MsgType: not PublicWarnings.CancelType } ? newest : null;
    }
}
