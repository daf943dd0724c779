using System.Net;
using System.Net.Http.Json;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>A server that allows three sign-in attempts a minute per address.</summary>
public sealed class FewSignInsApp : DispatchApp
{
    public FewSignInsApp() => Settings = new() { ["Dispatch:RateLimits:SignInsPerMinute"] = "3" };
}

/// <summary>A server that allows five API requests a second per user (a burst of ten).</summary>
public sealed class FewRequestsApp : DispatchApp
{
    public FewRequestsApp() => Settings = new() { ["Dispatch:RateLimits:ApiPerSecond"] = "5" };
}

/// <summary>Password guessing is slowed down with a 429 that says when to retry.</summary>
public class SignInLimitTests(FewSignInsApp app) : IClassFixture<FewSignInsApp>
{
    [Fact]
    public async Task Guessing_passwords_is_cut_off_after_a_few_tries_a_minute()
    {
        using var anonymous = app.Anonymous();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await anonymous.PostAsJsonAsync("/api/session", new { login = "guess", password = $"guess-{i}" });
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 says when to retry");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers);
    }

}

/// <summary>One client flooding the API is slowed down; it does not take the server from everyone else.</summary>
public class ApiLimitTests(FewRequestsApp app) : IClassFixture<FewRequestsApp>
{
    [Fact]
    public async Task A_flood_of_api_requests_from_one_user_gets_429s_and_the_rest_are_served()
    {
        var cookies = await app.SignIn("flooder");
        using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = app.BaseAddress };

        var statuses = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await client.GetAsync("/api/city");
            return response.StatusCode;
        }));

        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"unexpected {s}"));
        // The limit is per user: someone else at the same address is still served.
        using var other = await app.Client("not-flooding").GetAsync("/api/city");
        await other.ShouldBe(HttpStatusCode.OK);
    }
}
