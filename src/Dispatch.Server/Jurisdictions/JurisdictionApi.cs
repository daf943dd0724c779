using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dispatch.Server.Identity;
using NetTopologySuite.Features;
using NetTopologySuite.IO.Converters;

namespace Dispatch.Server.Jurisdictions;

/// <summary>
/// The jurisdiction tree the server runs on, read-only, as GeoJSON: what a map, a unit's device or the drill tool
/// needs to know the towns and draw or move inside them. <c>GET /api/jurisdictions[?kind=town]</c> answers a
/// FeatureCollection in the format of the jurisdiction file (docs/jurisdictions.md): one Feature per node with its
/// boundary and the properties <c>code</c>, <c>name</c>, <c>kind</c>, <c>parent</c> and <c>path</c>, and a
/// <c>bbox</c> [west, south, east, north]. Boundaries are no secret inside the centre, so any signed-in user may read
/// the whole tree; the tree is fixed for the life of the process, so each answer is built once.
/// </summary>
public static class JurisdictionApi
{
    public const string MediaType = "application/geo+json";

    // As the jurisdiction file writes it, plus a bbox on each feature (and its geometry) for clients without geometry code.
    static readonly JsonSerializerOptions GeoJson = new()
    {
        Converters = { new GeoJsonConverterFactory(JurisdictionFile.Geometries, writeGeometryBBox: true) },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IEndpointRouteBuilder MapJurisdictionApi(this IEndpointRouteBuilder app)
    {
        var cache = new ConcurrentDictionary<string, string>(); // by kind, "" for every node
        app.MapGroup("/api/jurisdictions").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy)
            .MapGet("", (string? kind, JurisdictionTree tree) =>
            {
                JurisdictionKind? only = null;
                if (!string.IsNullOrWhiteSpace(kind))
                {
                    if (!Enum.TryParse<JurisdictionKind>(kind.Trim(), ignoreCase: true, out var k) || !kind.Trim().All(char.IsAsciiLetter))
                        return Results.ValidationProblem(new Dictionary<string, string[]>
                        {
                            ["kind"] = [$"Unknown kind '{kind}': use city, district, town or grid, or leave it out for every node."],
                        });
                    only = k;
                }
                return Results.Text(cache.GetOrAdd(only?.ToString() ?? "", _ => Write(tree, only)), MediaType);
            });
        return app;
    }

    /// <summary>One feature per line, like the jurisdiction file.</summary>
    static string Write(JurisdictionTree tree, JurisdictionKind? only)
    {
        var features = tree.Nodes.Where(n => only is null || n.Kind == only).Select(node => new Feature(node.Boundary, new AttributesTable
        {
            { "code", node.Code }, { "name", node.Name }, { "parent", node.Parent ?? "" },
            { "kind", node.Kind.ToString().ToLowerInvariant() }, { "path", node.Path },
        })
        {
            BoundingBox = node.Boundary.EnvelopeInternal,
        });
        var text = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[\n");
        text.AppendJoin(",\n", features.Select(f => JsonSerializer.Serialize(f, GeoJson)));
        return text.Append("\n]}\n").ToString();
    }
}
