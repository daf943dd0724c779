using System.Net;
using System.Net.Http.Json;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>A server that allows three sign-in attempts a minute per address.</summary>
public sealed class FewSignInsApp : DispatchApp
{
    public FewSignInsApp() => Settings = new() { ["Dispatch:RateLimits:SignInsPerMinute"] = "3" };
}

/// <summary>An office behind one address: two tries a minute per login, plenty per address.</summary>
public sealed class OfficeSignInsApp : DispatchApp
{
    public OfficeSignInsApp() => Settings = new()
    {
        ["Dispatch:RateLimits:SignInsPerLoginPerMinute"] = "2", ["Dispatch:RateLimits:SignInsPerMinute"] = "50",
    };
}

/// <summary>One mistyper behind a shared address slows down only their own login, not the office.</summary>
public class SignInPerLoginLimitTests(OfficeSignInsApp app) : IClassFixture<OfficeSignInsApp>
{
    [Fact]
    public async Task A_mistyper_is_cut_off_on_their_login_while_colleagues_at_the_same_address_still_sign_in()
    {
        var mistyper = Api.Unique("mistyper");
        await app.EnsureUser(mistyper);
        using var anonymous = app.Anonymous();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            // The login as typed: the limit counts it however it is cased or padded.
            using var response = await anonymous.PostAsJsonAsync("/api/session", new { login = i % 2 == 0 ? mistyper : $" {mistyper.ToUpperInvariant()}", password = $"wrong-{i}" });
            answers.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], answers);

        // Colleagues at the same address sign in, over the API and the console's form alike.
        foreach (var colleague in Enumerable.Range(0, 3).Select(_ => Api.Unique("colleague")))
            await app.SignIn(colleague);
        // The form counts the same login too.
        using var form = await anonymous.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["login"] = mistyper, ["password"] = DispatchApp.Password,
        }));
        Assert.Equal(HttpStatusCode.TooManyRequests, form.StatusCode);
    }
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
