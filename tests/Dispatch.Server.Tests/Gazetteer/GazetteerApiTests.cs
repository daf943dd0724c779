using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Gazetteer;

/// <summary><c>GET /api/gazetteer?q=</c> on a real server: for those who take reports, city-wide; a 400 naming the field for bad input.</summary>
public sealed class GazetteerApiTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    [Theory]
    [InlineData(Role.CallTaker, Where.Town)]
    [InlineData(Role.Dispatcher, Where.OtherDistrict)] // any desk takes any report: a place outside the desk's district too
    public async Task Given_a_call_taker_or_dispatcher_When_they_look_up_a_road_and_number_Then_the_place_comes_first_with_its_coordinates(Role role, Where where)
    {
        using var client = _scopes.As(app, role, where);
        using var response = await client.GetAsync("/api/gazetteer?q=" + Uri.EscapeDataString("人民路 128号"));
        await response.ShouldBe(HttpStatusCode.OK);

        var first = (await response.Content.ReadFromJsonAsync<JsonElement>())[0];
        Assert.Equal("人民路 128号", first.GetProperty("label").GetString());
        Assert.Equal("东湖区人民路128号", first.GetProperty("address").GetString());
        Assert.Equal("road", first.GetProperty("kind").GetString());
        Assert.Equal(128, first.GetProperty("number").GetInt32());
        Assert.Equal((31.2304, 121.4737), (first.GetProperty("lat").GetDouble(), first.GetProperty("lon").GetDouble()));
        Assert.Equal("东湖区", first.GetProperty("districtName").GetString());
    }

    [Fact]
    public async Task Given_a_limit_When_looking_up_Then_at_most_that_many_come_back()
    {
        using var response = await app.Client().GetAsync("/api/gazetteer?q=" + Uri.EscapeDataString("路") + "&limit=2");
        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength());
    }

    [Theory]
    [InlineData(Role.Handler)]
    [InlineData(Role.FieldUnit)]
    [InlineData(Role.Leader)]
    public async Task Given_someone_who_takes_no_reports_When_they_look_up_an_address_Then_it_is_forbidden(Role role)
    {
        using var client = _scopes.As(app, role, Where.Town, Grant.NeedsDepartment(role) ? "urban-management" : null);
        using var response = await client.GetAsync("/api/gazetteer?q=" + Uri.EscapeDataString("人民路"));
        await response.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_no_one_signed_in_When_looking_up_Then_it_is_unauthorized()
    {
        using var response = await app.Anonymous().GetAsync("/api/gazetteer?q=x");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>Hostile input: the query and limit as a careless or hostile client sends them (the generated suite covers more).</summary>
    [Theory]
    [InlineData("", "q")]
    [InlineData("q=", "q")]
    [InlineData("q=%20%20", "q")]
    [InlineData("q=a%00b", "q")]
    [InlineData("q=%1b%5b31m", "q")]
    [InlineData("q=%E2%80%AEgnp", "q")]
    [InlineData("q=x&limit=0", "limit")]
    [InlineData("q=x&limit=21", "limit")]
    [InlineData("q=x&limit=-1", "limit")]
    [InlineData("q=x&limit=abc", "limit")]
    [InlineData("q=x&limit=99999999999", "limit")]
    public async Task Given_a_bad_query_When_looking_up_Then_it_is_a_400_naming_the_field(string query, string field)
    {
        using var response = await app.Client().GetAsync("/api/gazetteer?" + query);
        Assert.Equal([field], (await response.FieldErrors()).Keys);
    }

    [Fact]
    public async Task Given_a_query_longer_than_100_characters_When_looking_up_Then_it_is_a_400_naming_q()
    {
        using var response = await app.Client().GetAsync("/api/gazetteer?q=" + new string('路', 101));
        Assert.Equal(["q"], (await response.FieldErrors()).Keys);
    }
}
