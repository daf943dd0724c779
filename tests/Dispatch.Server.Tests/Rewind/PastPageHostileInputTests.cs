using System.Net;
using Dispatch.Server.Tests.BadInput;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// The past page (/past, issue 20) takes its moment, window and view from the address: hostile values get the page
/// (saying the time cannot be read), never a server error.
/// </summary>
public sealed class PastPageHostileInputTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static readonly string[] Values =
    [
        "", " ", "yesterday", "2026-13-45T99:99:99", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "-1", "1e400", "NaN",
        "2026-12-05T02:40:00+99:00", "<script>alert(1)</script>", "'; drop table mt_events; --", "%00", "\u202e", HostileCorpus.Huge[..4000],
    ];

    [Fact]
    public async Task Given_hostile_times_and_views_in_the_address_When_the_past_page_is_asked_Then_it_never_answers_with_a_server_error()
    {
        var client = app.Client();
        foreach (var value in Values)
        {
            var escaped = Uri.EscapeDataString(value);
            foreach (var path in new[] { $"/past?at={escaped}", $"/past/map?from={escaped}&to={escaped}", $"/past/{escaped}?at=2026-12-05T02:40:00Z" })
            {
                using var response = await client.GetAsync(path);
                Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");
                Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }
        // Signed in and rendered: an unreadable moment is said so on the page.
        var page = await client.GetStringAsync("/past?at=yesterday");
        Assert.Contains("data-testid=\"past-bad-time\"", page);
    }
}
