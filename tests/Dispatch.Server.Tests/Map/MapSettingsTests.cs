using Dispatch.Server.Map;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Map;

/// <summary>The Dispatch:Map section: offline by default, tiles and their datum when configured, a clear error otherwise.</summary>
public class MapSettingsTests
{
    static MapSettings Read(params (string Key, string Value)[] settings) =>
        MapSettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    [Fact]
    public void Without_settings_the_map_has_no_tiles_and_no_shift()
    {
        var map = Read();

        Assert.Null(map.TileUrl);
        Assert.Null(map.TileOrigin);
        Assert.Equal(TileDatum.Wgs84, map.Datum);
        Assert.Equal((31.23, 121.47), map.ToTiles(31.23, 121.47));
    }

    [Fact]
    public void A_GCJ02_tile_source_shifts_what_is_drawn_and_a_pick_comes_back_in_WGS84()
    {
        var map = Read((MapSettings.TileUrlKey, "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"), (MapSettings.TileDatumKey, "GCJ02"));

        Assert.Equal(TileDatum.Gcj02, map.Datum);
        Assert.Equal("https://*.tiles.example.cn", map.TileOrigin);
        var (lat, lon) = map.ToTiles(39.915, 116.404);
        Assert.NotEqual(39.915, lat);
        var back = map.FromTiles(lat, lon);
        Assert.Equal(39.915, back.Lat, 1e-7);
        Assert.Equal(116.404, back.Lon, 1e-7);
    }

    [Theory]
    [InlineData("Dispatch:Map:TileDatum", "bd09", "Dispatch:Map:TileDatum must be wgs84 or gcj02")]
    [InlineData("Dispatch:Map:TileUrl", "https://tiles.example/tile.png", "Dispatch:Map:TileUrl must be a tile URL template")]
    [InlineData("Dispatch:Map:TileUrl", "ftp://tiles.example/{z}/{x}/{y}.png", "Dispatch:Map:TileUrl must start with")]
    [InlineData("Dispatch:Map:MaxZoom", "30", "Dispatch:Map:MaxZoom must be a whole number from 1 to 22")]
    public void A_bad_value_stops_the_start_naming_the_key(string key, string value, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));

        Assert.Contains(message, error.Message);
    }
}
