using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Dispatch.Server.Telemetry;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Telemetry;

/// <summary>A server whose /metrics also takes a bearer token and one allowed network.</summary>
public sealed class MetricsApp : DispatchApp
{
    public const string Token = "scrape-token-for-tests";

    public MetricsApp()
    {
        Settings["Dispatch:Metrics:Token"] = Token;
        Settings["Dispatch:Metrics:AllowedNetworks"] = "10.99.0.0/16";
    }
}

/// <summary>
/// Issue 16 part 5: the server's metrics at /metrics (Prometheus text, not public) and a span per command. The meters are
/// process-wide and other test classes run commands at the same time: counts are asserted as at least, never exactly.
/// </summary>
public sealed partial class TelemetryTests(MetricsApp app) : IClassFixture<MetricsApp>
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Given_an_intake_when_metrics_are_scraped_from_loopback_then_the_command_by_kind_the_push_latency_and_the_mailbox_depth_are_there()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await app.Client().ReportOk(Api.Report());
        await board.Next(c => c.Id == incident.Id);

        var text = await ScrapeUntil(
            ("the report counted", m => Value(m, "dispatch_commands_total", ("kind", "incident.report"), ("via", "api"), ("outcome", "ok")) >= 1),
            ("its push timed", m => Value(m, "dispatch_push_latency_milliseconds_count", ("feed", "board")) >= 1),
            ("its notice heard", m => Value(m, "dispatch_listener_lag_milliseconds_count", ("feed", "board")) >= 1),
            ("the mailboxes read", m => Value(m, "dispatch_units_mailbox_depth") >= 0));

        Assert.Contains("# TYPE dispatch_push_latency_milliseconds histogram", text);
        // The explicit buckets, not the SDK's defaults.
        Assert.Contains("le=\"2\"", text);
        Assert.True(Value(text, "dispatch_command_duration_milliseconds_count", ("kind", "incident.report")) >= 1);
        Assert.True(Value(text, "dispatch_admission_limit", ("limit", "running")) >= 1);
        Assert.True(Value(text, "dispatch_positions_queued") >= 0);
    }

    [Fact]
    public async Task Given_another_server_of_the_process_stopped_when_metrics_are_scraped_then_this_nodes_gauges_are_still_there()
    {
        // A second server in this process, with its own gauges, stops (as test servers do all through a run).
        var other = new DispatchApp();
        await ((IAsyncLifetime)other).InitializeAsync();
        using (var scrape = await other.Anonymous().GetAsync("/metrics")) Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        await ((IAsyncLifetime)other).DisposeAsync();

        await ScrapeUntil(
            ("the admission gate's limits", m => Value(m, "dispatch_admission_limit", ("limit", "running")) >= 1),
            ("the position queue", m => Value(m, "dispatch_positions_queued") >= 0),
            ("the mailboxes read", m => Value(m, "dispatch_units_mailbox_depth") >= 0));
    }

    [Fact]
    public async Task Given_a_wrong_token_when_metrics_are_asked_for_then_they_are_refused_even_from_loopback()
    {
        using var client = app.Anonymous();
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", "Bearer not-the-token" } } };
        using var refused = await client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("dispatch_", await refused.Content.ReadAsStringAsync());

        using var right = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "Authorization", $"Bearer {MetricsApp.Token}" } } };
        using var allowed = await client.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task Given_a_request_through_a_proxy_when_metrics_are_asked_for_without_the_token_then_they_are_refused()
    {
        using var client = app.Anonymous();
        using var proxied = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { { "X-Forwarded-For", "203.0.113.9" } } };
        using var response = await client.SendAsync(proxied);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Given_a_listener_when_commands_run_then_each_has_a_span_with_its_kind_outcome_and_refusal_code_and_no_personal_data()
    {
        var seen = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == CommandTrace.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = seen.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var caller = Api.Unique("caller");

        var incident = await app.Client().ReportOk(Api.Report(description: $"Smoke from {caller}'s flat"));
        using var refused = await app.Client().Command(incident.Id, "acknowledge", new { department = Steps.Department });
        await refused.Refusal("acknowledge.unassigned");

        // Other test classes run commands too: this intake's span is one of the reports over the API that were done.
        Assert.Contains(seen, a => a.OperationName == "dispatch.command" && a.DisplayName == "incident.report"
            && (string?)a.GetTagItem("dispatch.command.kind") == "incident.report" && (string?)a.GetTagItem("dispatch.command.via") == "api"
            && (string?)a.GetTagItem("dispatch.command.outcome") == "ok" && (string?)a.GetTagItem("dispatch.command.answer") == "Done"
            && a.GetTagItem("dispatch.refusal.code") is null && a.Status != ActivityStatusCode.Error);

        Assert.Contains(seen, a => a.DisplayName == "incident.acknowledge" && (string?)a.GetTagItem("dispatch.command.answer") == "Refused"
            && (string?)a.GetTagItem("dispatch.refusal.code") == "acknowledge.unassigned");
        // Nothing a person typed or is known by: no caller, no incident number, no login, no id.
        foreach (var activity in seen)
            foreach (var (_, value) in activity.TagObjects)
            {
                var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
                Assert.DoesNotContain(caller, text);
                Assert.DoesNotContain(incident.Number, text);
                Assert.DoesNotContain(DispatchApp.DefaultUser, text);
                Assert.DoesNotContain(incident.Id.ToString(), text);
            }
    }

    /// <summary>
    /// The predicate itself, for addresses a test client cannot come from (the test server listens on loopback only; a
    /// connection from another host is what the predicate sees as a non-loopback remote address).
    /// </summary>
    [Theory]
    [InlineData("127.0.0.1", false, "", true)]
    [InlineData("::1", false, "", true)]
    [InlineData("::ffff:127.0.0.1", false, "", true)]
    [InlineData("10.99.4.5", false, "", true)]
    [InlineData("::ffff:10.99.4.5", false, "", true)]
    [InlineData("10.98.4.5", false, "", false)]
    [InlineData("192.0.2.7", false, "", false)]
    [InlineData("127.0.0.1", true, "", false)]
    [InlineData("10.99.4.5", true, "", false)]
    [InlineData("192.0.2.7", false, "Bearer " + MetricsApp.Token, true)]
    [InlineData("192.0.2.7", true, "Bearer " + MetricsApp.Token, true)]
    [InlineData("127.0.0.1", false, "Bearer wrong", false)]
    [InlineData("127.0.0.1", false, "Basic " + MetricsApp.Token, false)]
    public void Given_the_settings_when_an_address_asks_for_metrics_then_loopback_allowed_networks_and_the_token_are_let_in(
        string remote, bool proxied, string authorization, bool allowed)
    {
        var access = MetricsAccess.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dispatch:Metrics:AllowedNetworks"] = "10.99.0.0/16, fd00::/8",
            ["Dispatch:Metrics:Token"] = MetricsApp.Token,
        }).Build());

        Assert.Equal(allowed, access.Allows(IPAddress.Parse(remote), proxied, authorization));
    }

    [Fact]
    public void Given_no_token_configured_when_a_token_is_presented_then_it_opens_nothing()
    {
        var access = MetricsAccess.From(new ConfigurationBuilder().Build());
        Assert.False(access.Allows(IPAddress.Parse("192.0.2.7"), false, "Bearer "));
        Assert.False(access.Allows(IPAddress.Parse("192.0.2.7"), false, "Bearer anything"));
        Assert.True(access.Allows(IPAddress.Loopback, false, ""));
        Assert.False(access.Allows(null, false, ""));
    }

    [Fact]
    public void Given_a_network_that_is_not_cidr_when_the_server_starts_then_it_stops_naming_the_key()
    {
        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dispatch:Metrics:AllowedNetworks:0"] = "10.0.0.0/8",
            ["Dispatch:Metrics:AllowedNetworks:1"] = "the office",
        }).Build();
        var ex = Assert.Throws<InvalidOperationException>(() => MetricsAccess.From(bad));
        Assert.Contains("Dispatch:Metrics:AllowedNetworks", ex.Message);
        Assert.Contains("the office", ex.Message);
    }

    /// <summary>
    /// Scrapes from loopback until every check holds (the gauges read the database in the background); a failure names
    /// the checks that never held.
    /// </summary>
    async Task<string> ScrapeUntil(params (string What, Func<string, bool> Holds)[] checks)
    {
        using var client = app.Anonymous();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var missing = checks.Where(c => !c.Holds(text)).Select(c => c.What).ToList();
            if (missing.Count == 0) return text;
            if (deadline.Elapsed > Patience)
                Assert.Fail($"/metrics did not show {string.Join(", ", missing)} within {Patience}:\n{text}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// The sum of the samples of <paramref name="metric"/> whose labels include <paramref name="labels"/>; -1 when there is
    /// no such sample.
    /// </summary>
    static double Value(string text, string metric, params (string Name, string Value)[] labels)
    {
        var sum = -1.0;
        foreach (Match line in Sample().Matches(text))
        {
            if (line.Groups["name"].Value != metric) continue;
            var found = Label().Matches(line.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.Any(l => !found.TryGetValue(l.Name, out var v) || v != l.Value)) continue;
            sum = Math.Max(sum, 0) + double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex Sample();

    [GeneratedRegex("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex Label();
}
