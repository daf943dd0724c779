using Dispatch.Domain.Maps;

namespace Dispatch.Domain.Tests.Maps;

/// <summary>
/// The WGS-84 → GCJ-02 shift, on pairs published with two independent open implementations of the formula
/// (eviltransform's test table and coordtransform's example), to better than a centimetre (1e-7°).
/// </summary>
public class Gcj02Tests
{
    const double Tolerance = 1e-7;

    [Theory]
    // eviltransform (googollee/eviltransform), its test table: Shanghai, Shenzhen, Beijing.
    [InlineData(31.1774276, 121.5272106, 31.17530398364597, 121.531541859215)]
    [InlineData(22.543847, 113.912316, 22.540796131694766, 113.9171764808363)]
    [InlineData(39.911954, 116.377817, 39.91334545536069, 116.38404722455657)]
    // coordtransform (wandergis/coordtransform), its README example near Tiananmen, Beijing.
    [InlineData(39.915, 116.404, 39.91640428150164, 116.41024449916938)]
    public void A_point_in_China_is_shifted_as_published(double wgsLat, double wgsLon, double gcjLat, double gcjLon)
    {
        var (lat, lon) = Gcj02.FromWgs84(wgsLat, wgsLon);

        Assert.Equal(gcjLat, lat, Tolerance);
        Assert.Equal(gcjLon, lon, Tolerance);
    }

    [Fact]
    public void The_shift_in_a_city_is_hundreds_of_metres()
    {
        var (lat, lon) = Gcj02.FromWgs84(39.915, 116.404);

        var metres = Geo.DistanceMeters(39.915, 116.404, lat, lon);

        Assert.InRange(metres, 100, 700);
    }

    [Theory]
    [InlineData(48.8584, 2.2945)]     // Paris
    [InlineData(-33.8568, 151.2153)]  // Sydney
    [InlineData(40.6892, -74.0445)]   // New York
    [InlineData(60.0, 100.0)]         // north of the box
    public void A_point_outside_China_is_not_shifted(double lat, double lon)
    {
        Assert.True(Gcj02.OutsideChina(lat, lon));
        Assert.Equal((lat, lon), Gcj02.FromWgs84(lat, lon));
    }

    [Fact]
    public void Not_a_number_is_left_as_it_is()
    {
        var (lat, lon) = Gcj02.FromWgs84(double.NaN, 116.4);

        Assert.True(double.IsNaN(lat));
        Assert.Equal(116.4, lon);
    }

    [Theory]
    [InlineData(31.17530398364597, 121.531541859215, 31.1774276, 121.5272106)]
    [InlineData(39.91334545536069, 116.38404722455657, 39.911954, 116.377817)]
    public void A_point_picked_on_GCJ02_tiles_goes_back_to_its_WGS84_point(double gcjLat, double gcjLon, double wgsLat, double wgsLon)
    {
        var (lat, lon) = Gcj02.ToWgs84(gcjLat, gcjLon);

        Assert.Equal(wgsLat, lat, Tolerance);
        Assert.Equal(wgsLon, lon, Tolerance);
    }
}
