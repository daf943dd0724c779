namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>Pages and API answers alike refuse framing and sniffing, keep the referrer, and restrict scripts.</summary>
public sealed class SecurityHeaderTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Theory]
    [InlineData("/")]
    [InlineData("/intake")]
    [InlineData("/api/board")]
    [InlineData("/api/incidents/00000000-0000-0000-0000-000000000000")] // an error answer too
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        using var response = await app.Client().GetAsync(path);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", policy);
        Assert.Contains("frame-ancestors 'none'", policy);
    }
}
