namespace Dispatch.Domain;

/// <summary>Distances on the Earth, for unit recommendations and duplicate suggestions alike.</summary>
public static class Geo
{
    /// <summary>Mean Earth radius (IUGG), metres.</summary>
    public const double EarthRadiusMeters = 6_371_008.8;

    /// <summary>Great-circle distance in metres (haversine): plenty for a city, and stable for short distances.</summary>
    public static double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        static double Rad(double deg) => deg * Math.PI / 180.0;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
                + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusMeters * Math.Asin(Math.Min(1.0, Math.Sqrt(a)));
    }

    public static double DistanceMeters(Incidents.GeoPoint a, Incidents.GeoPoint b) => DistanceMeters(a.Lat, a.Lon, b.Lat, b.Lon);
}
