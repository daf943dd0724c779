using System.Net;
using System.Net.Http.Json;

namespace Dispatch.Server.Tests.Infrastructure;

public sealed class SmokeTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task The_city_is_served_from_its_configuration()
    {
        var response = await app.Client().GetAsync("/api/city");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var city = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("Asia/Shanghai", city.GetProperty("timeZone").GetString());
    }
}
