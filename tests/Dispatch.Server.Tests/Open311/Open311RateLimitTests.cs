using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Open311;

/// <summary>A server that lets one address make three Open311 and citizen-page requests a minute.</summary>
public sealed class FewOpen311RequestsApp : DispatchApp
{
    public FewOpen311RequestsApp() => Settings = new() { ["Dispatch:Open311:RequestsPerMinute"] = "3" };
}

public sealed class Open311RateLimitTests(FewOpen311RequestsApp app) : IClassFixture<FewOpen311RequestsApp>
{
    [Fact]
    public async Task Given_an_address_over_its_limit_when_it_calls_open311_again_then_it_is_429_in_the_spec_format_with_retry_after()
    {
        using var client = app.Anonymous();
        for (var i = 0; i < 3; i++)
            using (var ok = await client.GetAsync("/open311/v2/services.json"))
                await ok.ShouldBe(HttpStatusCode.OK);

        using var limited = await client.GetAsync("/open311/v2/services.json");
        await limited.ShouldBe(HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        var error = (await limited.Content.ReadFromJsonAsync<JsonElement>())[0];
        Assert.Equal(429, error.GetProperty("code").GetInt32());
        // The citizen pages share the limit (an HTML client reads the usual problem).
        using var page = await client.GetAsync($"/status/{new string('A', 43)}");
        await page.ShouldBe(HttpStatusCode.TooManyRequests);
    }
}
