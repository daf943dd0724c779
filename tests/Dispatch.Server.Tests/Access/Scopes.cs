using Dispatch.Domain.Access;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Access;

/// <summary>Where a scope lies relative to the incident of a test: the line above it, and beside it.</summary>
public enum Where { City, District, Town, OtherTown, OtherDistrict }

/// <summary>
/// The nodes of the demo city seen from the standard report's point (<see cref="Api.Report"/>): its grid cell,
/// town, district and the city, a sibling town, and another district.
/// </summary>
public sealed class Scopes
{
    public Scopes(DispatchApp app)
    {
        var tree = app.Services.GetRequiredService<JurisdictionTree>();
        var placed = tree.Place(Api.ReportLat, Api.ReportLon);
        Grid = placed.Grid!;
        Town = placed.Town!;
        District = placed.District!;
        City = tree.City;
        OtherTown = tree.Children(District.Code).First(t => t.Code != Town.Code);
        OtherDistrict = tree.Children(City.Code).First(d => d.Code != District.Code);
    }

    public Jurisdiction Grid { get; }
    public Jurisdiction Town { get; }
    public Jurisdiction District { get; }
    public Jurisdiction City { get; }
    public Jurisdiction OtherTown { get; }
    public Jurisdiction OtherDistrict { get; }

    public Jurisdiction this[Where where] => where switch
    {
        Where.City => City, Where.District => District, Where.Town => Town,
        Where.OtherTown => OtherTown, Where.OtherDistrict => OtherDistrict,
        _ => throw new ArgumentOutOfRangeException(nameof(where)),
    };

    /// <summary>A user holding one role at one place, created on first use; the login says which.</summary>
    public HttpClient As(DispatchApp app, Role role, Where where, string? department = null, string? tag = null) =>
        app.Client(Login(role, where, department, tag), "en", new Grant(role, this[where].Path, department));

    public static string Login(Role role, Where where, string? department = null, string? tag = null) =>
        $"{role}-{where}{(department is null ? "" : "-" + department)}{(tag is null ? "" : "-" + tag)}".ToLowerInvariant();
}
