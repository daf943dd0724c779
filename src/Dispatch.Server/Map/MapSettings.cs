using Dispatch.Domain.Maps;

namespace Dispatch.Server.Map;

/// <summary>The datum a tile source is drawn in: WGS-84 (OpenStreetMap and most servers) or China's GCJ-02 offset.</summary>
public enum TileDatum { Wgs84, Gcj02 }

/// <summary>
/// The map's settings from the <c>Dispatch:Map</c> section (docs/configuration.md), checked at start-up: a bad value
/// stops the server with a message naming the key. With no <see cref="TileUrl"/> the map draws the jurisdiction
/// boundaries on a plain background and needs nothing from outside the centre.
/// </summary>
public sealed record MapSettings(string? TileUrl, string TileAttribution, int MaxZoom, TileDatum Datum)
{
    public const string Section = "Dispatch:Map";
    public const string TileUrlKey = Section + ":TileUrl";
    public const string TileAttributionKey = Section + ":TileAttribution";
    public const string MaxZoomKey = Section + ":MaxZoom";
    public const string TileDatumKey = Section + ":TileDatum";

    public static MapSettings Offline { get; } = new(null, "", 19, TileDatum.Wgs84);

    /// <summary>The point as it must be drawn on the configured tiles (stored positions are WGS-84).</summary>
    public (double Lat, double Lon) ToTiles(double lat, double lon) => Datum == TileDatum.Gcj02 ? Gcj02.FromWgs84(lat, lon) : (lat, lon);

    /// <summary>A point picked on the tiles, back in WGS-84.</summary>
    public (double Lat, double Lon) FromTiles(double lat, double lon) => Datum == TileDatum.Gcj02 ? Gcj02.ToWgs84(lat, lon) : (lat, lon);

    /// <summary>
    /// Where the browser loads tiles from, for the content security policy's img-src: the template's origin, with a
    /// <c>{s}</c> subdomain as <c>*</c>; null offline or when the tiles come from this console itself.
    /// </summary>
    public string? TileOrigin
    {
        get
        {
            if (TileUrl is null || TileUrl.StartsWith('/')) return null;
            var start = TileUrl.IndexOf("://", StringComparison.Ordinal) + 3;
            var end = TileUrl.IndexOf('/', start);
            return (end < 0 ? TileUrl : TileUrl[..end]).Replace("{s}", "*");
        }
    }

    public static MapSettings From(IConfiguration configuration)
    {
        var problems = new List<string>();
        var url = configuration[TileUrlKey];
        if (string.IsNullOrWhiteSpace(url)) url = null;
        else
        {
            url = url.Trim();
            if (!url.Contains("{z}") || !url.Contains("{x}") || !url.Contains("{y}"))
                problems.Add($"{TileUrlKey} must be a tile URL template with {{z}}, {{x}} and {{y}} (e.g. https://tiles.example/{{z}}/{{x}}/{{y}}.png), or empty for no tiles");
            else if (!url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith('/'))
                problems.Add($"{TileUrlKey} must start with http://, https:// or / (tiles served by this console)");
        }
        var maxZoom = 19;
        if (configuration[MaxZoomKey] is { Length: > 0 } zoomText && (!int.TryParse(zoomText, out maxZoom) || maxZoom is < 1 or > 22))
            problems.Add($"{MaxZoomKey} must be a whole number from 1 to 22, not '{zoomText}'");
        var datum = (configuration[TileDatumKey] ?? "").Trim().ToLowerInvariant() switch
        {
            "" or "wgs84" => TileDatum.Wgs84,
            "gcj02" => TileDatum.Gcj02,
            var other => Bad(TileDatum.Wgs84, $"{TileDatumKey} must be wgs84 or gcj02, not '{other}'"),
        };
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems) + ".");
        return new MapSettings(url, configuration[TileAttributionKey]?.Trim() ?? "", maxZoom, datum);

        T Bad<T>(T fallback, string problem)
        {
            problems.Add(problem);
            return fallback;
        }
    }
}

public static class MapSetup
{
    public static WebApplicationBuilder AddMap(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(_ => MapSettings.From(builder.Configuration));
        builder.Services.AddSingleton<MapBoundaries>();
        return builder;
    }
}
