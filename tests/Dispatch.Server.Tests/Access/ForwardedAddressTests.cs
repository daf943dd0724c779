using System.Net;
using System.Net.Http.Json;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>
/// Behind nginx (deploy/cluster) every request comes from loopback: the per-address sign-in limit must count the
/// client nginx names in X-Forwarded-For, or one office's mistypes would lock every client of the cluster out.
/// </summary>
public sealed class ForwardedAddressTests(FewSignInsApp app) : IClassFixture<FewSignInsApp>
{
    static async Task<HttpStatusCode> SignIn(HttpClient client, string forwardedFor, int attempt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/session")
        {
            Content = JsonContent.Create(new { login = $"someone-{attempt}", password = "wrong-password" }),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Clients_forwarded_by_a_loopback_proxy_each_have_their_own_sign_in_limit()
    {
        using var proxy = app.Anonymous();

        // Given one client behind the proxy that used up its three sign-in attempts
        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++) first.Add(await SignIn(proxy, "203.0.113.7", i));
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], first);

        // When another client signs in through the same proxy
        var other = await SignIn(proxy, "198.51.100.9", 10);

        // Then it is judged on its own (a wrong password, not a 429)
        Assert.Equal(HttpStatusCode.Unauthorized, other);
    }
}
