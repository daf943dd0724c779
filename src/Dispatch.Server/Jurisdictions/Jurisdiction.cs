using NetTopologySuite.Geometries;

namespace Dispatch.Server.Jurisdictions;

/// <summary>The levels of the tree, coarsest first: each node's parent is exactly one level up.</summary>
public enum JurisdictionKind { City, District, Town, Grid }

/// <summary>
/// One node of the tree. <see cref="Path"/> is the codes from the city down to this node joined by '/'
/// (<c>demo/dh/dh-01/dh-01-03</c>): it names the node's SignalR group, and a prefix test on it answers
/// "is this inside that scope". <see cref="Boundary"/> is a valid Polygon or MultiPolygon in WGS-84
/// (X = longitude, Y = latitude).
/// </summary>
public sealed record Jurisdiction(JurisdictionKind Kind, string Code, string Name, string? Parent, string Path, Geometry Boundary);

/// <summary>
/// Where a point falls. The finest node that covers it decides, and the coarser ones are its ancestors, so a
/// placement is always one consistent line of the tree. Outside when not even the city covers the point.
/// </summary>
public sealed record Placement(Jurisdiction? City, Jurisdiction? District, Jurisdiction? Town, Jurisdiction? Grid)
{
    public static Placement Outside { get; } = new(null, null, null, null);

    public bool IsOutside => Finest is null;

    /// <summary>The node the point was placed in: usually a grid cell; a town if that town has no cells.</summary>
    public Jurisdiction? Finest => Grid ?? Town ?? District ?? City;
}
