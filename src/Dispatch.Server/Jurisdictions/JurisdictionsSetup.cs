using Dispatch.Domain.Incidents;

namespace Dispatch.Server.Jurisdictions;

public static class JurisdictionsSetup
{
    /// <summary>
    /// The jurisdiction tree, loaded (and so validated) at start-up: from the GeoJSON file named by
    /// <c>Dispatch:Jurisdictions:File</c>, or the generated demo city when none is named. A bad file stops the
    /// server with a message naming each bad feature.
    /// </summary>
    public static WebApplicationBuilder AddJurisdictions(this WebApplicationBuilder builder)
    {
        var file = builder.Configuration["Dispatch:Jurisdictions:File"];
        var tree = string.IsNullOrWhiteSpace(file) ? DemoCityMap.Tree() : JurisdictionFile.Load(file);
        // The root's name in each language, from the city's settings (the boundary file names it once, in one language).
        tree.NameCity(builder.Configuration[$"{City.CityOptions.Section}:Name"], builder.Configuration[$"{City.CityOptions.Section}:NameZh"]);
        builder.Services.AddSingleton(tree);
        return builder;
    }

    /// <summary>Where the tree puts a point, as the codes an incident event carries; null outside the city.</summary>
    public static Place? PlaceOf(this JurisdictionTree tree, GeoPoint point) =>
        tree.Place(point.Lat, point.Lon).ToPlace();

    public static Place? ToPlace(this Placement placement) =>
        placement.Finest is { } finest
            ? new Place(finest.Path, placement.District?.Code, placement.Town?.Code, placement.Grid?.Code)
            : null;

    /// <summary>A node chosen by hand, as a place: its own code and its ancestors'.</summary>
    public static Place? PlaceOf(this JurisdictionTree tree, string code)
    {
        if (tree.Find(code) is not { } node) return null;
        var lineage = tree.Lineage(code);
        string? Of(JurisdictionKind kind) => lineage.FirstOrDefault(n => n.Kind == kind)?.Code;
        return new Place(node.Path, Of(JurisdictionKind.District), Of(JurisdictionKind.Town), Of(JurisdictionKind.Grid));
    }
}
