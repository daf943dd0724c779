namespace Dispatch.Domain.Maps;

/// <summary>
/// WGS-84 → GCJ-02, the offset datum ("Mars coordinates", 火星坐标) that map tiles published in mainland China are drawn
/// in. Positions are stored and decided in WGS-84; only what is drawn on such tiles is shifted, by 100–700 m depending on
/// the place. The formula is the one public implementations share (the Krasovsky 1940 ellipsoid and the published
/// polynomial), e.g. the eviltransform and coordtransform libraries; there is no official publication. Outside a box
/// around China (the same box those libraries use) nothing is shifted, as GCJ-02 providers do not shift there either.
/// </summary>
public static class Gcj02
{
    // Krasovsky 1940: semi-major axis (m) and first eccentricity squared.
    const double A = 6378245.0;
    const double Ee = 0.00669342162296594323;

    /// <summary>Whether a WGS-84 point lies outside the box in which GCJ-02 applies (then it is not shifted).</summary>
    public static bool OutsideChina(double lat, double lon) => lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;

    /// <summary>The GCJ-02 coordinates of a WGS-84 point; the point itself outside China or when not a number.</summary>
    public static (double Lat, double Lon) FromWgs84(double lat, double lon)
    {
        if (!double.IsFinite(lat) || !double.IsFinite(lon) || OutsideChina(lat, lon)) return (lat, lon);
        var dLat = TransformLat(lon - 105.0, lat - 35.0);
        var dLon = TransformLon(lon - 105.0, lat - 35.0);
        var radLat = lat / 180.0 * Math.PI;
        var magic = Math.Sin(radLat);
        magic = 1 - Ee * magic * magic;
        var sqrtMagic = Math.Sqrt(magic);
        dLat = dLat * 180.0 / (A * (1 - Ee) / (magic * sqrtMagic) * Math.PI);
        dLon = dLon * 180.0 / (A / sqrtMagic * Math.Cos(radLat) * Math.PI);
        return (lat + dLat, lon + dLon);
    }

    /// <summary>
    /// The WGS-84 point that <see cref="FromWgs84"/> shifts onto the given GCJ-02 point (a point picked on GCJ-02 tiles).
    /// The shift has no closed inverse; it changes slowly, so subtracting the shift at the current guess converges to
    /// well under a millimetre in a few rounds.
    /// </summary>
    public static (double Lat, double Lon) ToWgs84(double lat, double lon)
    {
        if (!double.IsFinite(lat) || !double.IsFinite(lon) || OutsideChina(lat, lon)) return (lat, lon);
        var (wLat, wLon) = (lat, lon);
        for (var round = 0; round < 10; round++)
        {
            var (gLat, gLon) = FromWgs84(wLat, wLon);
            var (dLat, dLon) = (gLat - lat, gLon - lon);
            (wLat, wLon) = (wLat - dLat, wLon - dLon);
            if (Math.Abs(dLat) < 1e-10 && Math.Abs(dLon) < 1e-10) break;
        }
        return (wLat, wLon);
    }

    static double TransformLat(double x, double y)
    {
        var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.Sqrt(Math.Abs(x));
        r += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        r += (20.0 * Math.Sin(y * Math.PI) + 40.0 * Math.Sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
        r += (160.0 * Math.Sin(y / 12.0 * Math.PI) + 320 * Math.Sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
        return r;
    }

    static double TransformLon(double x, double y)
    {
        var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.Sqrt(Math.Abs(x));
        r += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        r += (20.0 * Math.Sin(x * Math.PI) + 40.0 * Math.Sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
        r += (150.0 * Math.Sin(x / 12.0 * Math.PI) + 300.0 * Math.Sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
        return r;
    }
}
