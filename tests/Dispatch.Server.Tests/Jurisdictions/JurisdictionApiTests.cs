using System.Net;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>
/// <c>GET /api/jurisdictions</c>: the tree the server runs on, as GeoJSON, for any signed-in user (a unit's device
/// included), and for nobody else.
/// </summary>
public sealed class JurisdictionApiTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);
    JurisdictionTree Tree => app.Services.GetRequiredService<JurisdictionTree>();

    /// <summary>The least-privileged kind of user: a field unit of one town.</summary>
    HttpClient Unit() => _scopes.As(app, Role.FieldUnit, Where.Town, "urban-management");

    [Fact]
    public async Task The_whole_tree_reads_back_as_a_valid_jurisdiction_file_that_places_points_as_the_server_does()
    {
        using var response = await Unit().GetAsync("/api/jurisdictions");
        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(JurisdictionApi.MediaType, response.Content.Headers.ContentType?.MediaType);

        var read = JurisdictionFile.Read(await response.Content.ReadAsStringAsync());

        Assert.Equal(Tree.Nodes.Select(n => (n.Path, n.Name, n.Kind)), read.Nodes.Select(n => (n.Path, n.Name, n.Kind)));
        Assert.Equal(Tree.Place(Api.ReportLat, Api.ReportLon).Finest!.Path, read.Place(Api.ReportLat, Api.ReportLon).Finest!.Path);
    }

    [Fact]
    public async Task Towns_alone_come_with_their_parent_path_and_a_bounding_box_around_their_boundary()
    {
        using var response = await Unit().GetAsync("/api/jurisdictions?kind=town");
        await response.ShouldBe(HttpStatusCode.OK);
        var features = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("features")
            .EnumerateArray().ToList();

        Assert.Equal(Tree.OfKind(JurisdictionKind.Town).Select(t => t.Code), features.Select(f => f.GetProperty("properties").GetProperty("code").GetString()));
        Assert.All(features, f => Assert.Equal("town", f.GetProperty("properties").GetProperty("kind").GetString()));
        var town = features.Single(f => f.GetProperty("properties").GetProperty("code").GetString() == _scopes.Town.Code);
        Assert.Equal(_scopes.Town.Path, town.GetProperty("properties").GetProperty("path").GetString());
        Assert.Equal(_scopes.District.Code, town.GetProperty("properties").GetProperty("parent").GetString());
        var box = town.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var envelope = _scopes.Town.Boundary.EnvelopeInternal;
        Assert.Equal([envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY], box);
        Assert.InRange(Api.ReportLon, box[0], box[2]);
        Assert.InRange(Api.ReportLat, box[1], box[3]);
    }

    [Fact]
    public async Task An_unknown_kind_is_a_bad_request_naming_the_field()
    {
        using var response = await Unit().GetAsync("/api/jurisdictions?kind=village");

        var errors = await response.FieldErrors();
        Assert.Contains("village", Assert.Single(errors["kind"]));
    }

    [Fact]
    public async Task Nobody_signed_out_reads_the_tree()
    {
        using var anonymous = app.Anonymous();

        using var response = await anonymous.GetAsync("/api/jurisdictions");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
