using System.Net;
using System.Text.Json;
using Dispatch.Server.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Dispatch.Server.Tests.Cluster;

/// <summary>
/// /health/live and /health/ready, as a load balancer asks them: anonymously, status and check names only, 503 when the
/// node cannot serve (its database gone, its listeners cut) and 200 again once it can.
/// </summary>
public sealed class HealthTests
{
    static async Task<(HttpStatusCode Status, JsonElement Body)> Get(DispatchApp node, string path)
    {
        using var client = node.Anonymous();
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    static string Check(JsonElement body, string name) => body.GetProperty("checks").GetProperty(name).GetProperty("status").GetString()!;

    static async Task<JsonElement> Until(DispatchApp node, HttpStatusCode status, Func<JsonElement, bool> also, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var (got, body) = await Get(node, "/health/ready");
            if (got == status && also(body)) return body;
            if (cts.IsCancellationRequested) throw new TimeoutException($"/health/ready not {status} within {timeout}: last {(int)got} {body}");
            await Task.Delay(20);
        }
    }

    static async Task Execute(string connection, string sql)
    {
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connection) { Database = "postgres", Pooling = false }.ConnectionString);
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync();
    }

    static string Database(DispatchApp node) => new NpgsqlConnectionStringBuilder(node.ConnectionString).Database!;

    [Fact]
    public async Task Live_answers_200_to_anyone_without_checking_anything()
    {
        await using var nodes = new Nodes();
        var node = await nodes.Start();

        var (status, body) = await Get(node, "/health/live");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_answers_200_naming_each_check_and_the_lone_node_leads_the_daemon()
    {
        await using var nodes = new Nodes();
        var node = await nodes.Start();

        // Hot/cold on a node of its own: it elects itself within a leadership poll.
        var body = await Until(node, HttpStatusCode.OK,
            b => b.GetProperty("checks").GetProperty("daemon").GetProperty("description").GetString()!.StartsWith("leader"), TimeSpan.FromSeconds(30));

        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal(["daemon", "database", "listeners", "schema"], body.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order());
        Assert.All(["daemon", "database", "listeners", "schema"], name => Assert.Equal("Healthy", Check(body, name)));
        // Names and statuses only: nothing of the connection.
        Assert.DoesNotContain("Host=", body.ToString());
        Assert.DoesNotContain(Database(node), body.ToString());
    }

    [Fact]
    public async Task Ready_turns_503_while_the_listeners_are_cut_and_200_once_they_reconnect()
    {
        await using var nodes = new Nodes();
        var node = await nodes.Start();
        await Until(node, HttpStatusCode.OK, _ => true, TimeSpan.FromSeconds(30));

        await Execute(node.ConnectionString,
            $"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{Database(node)}' and query like 'LISTEN%'");

        var cut = await Until(node, HttpStatusCode.ServiceUnavailable, _ => true, TimeSpan.FromSeconds(10));
        Assert.Equal("Unhealthy", cut.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", Check(cut, "listeners"));
        Assert.Equal("Healthy", Check(cut, "database"));

        var back = await Until(node, HttpStatusCode.OK, _ => true, TimeSpan.FromSeconds(30));
        Assert.Equal("Healthy", Check(back, "listeners"));
    }

    [Fact]
    public async Task Ready_turns_503_while_the_database_refuses_connections_and_200_once_it_takes_them_again()
    {
        await using var nodes = new Nodes();
        var node = await nodes.Start();
        await Until(node, HttpStatusCode.OK, _ => true, TimeSpan.FromSeconds(30));
        var database = Database(node);

        await Execute(node.ConnectionString, $"alter database {database} allow_connections false");
        try
        {
            await Execute(node.ConnectionString, $"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{database}'");
            var down = await Until(node, HttpStatusCode.ServiceUnavailable, b => Check(b, "database") == "Unhealthy", TimeSpan.FromSeconds(20));
            Assert.Equal("Unhealthy", down.GetProperty("status").GetString());
            // Live does not depend on the database: the process is fine.
            Assert.Equal(HttpStatusCode.OK, (await Get(node, "/health/live")).Status);
        }
        finally
        {
            await Execute(node.ConnectionString, $"alter database {database} allow_connections true");
        }

        var up = await Until(node, HttpStatusCode.OK, _ => true, TimeSpan.FromSeconds(30));
        Assert.Equal("Healthy", Check(up, "database"));
    }

    [Fact]
    public async Task Ready_is_degraded_but_200_when_no_node_projects_the_events()
    {
        await using var nodes = new Nodes();
        // No daemon here (and no other node): behind at all counts as stalled at once.
        var node = await nodes.Start(new() { ["Dispatch:Projections:Daemon"] = "Disabled", ["Dispatch:Health:DaemonStallSeconds"] = "0" });

        await node.Client().ReportOk();

        var body = await Until(node, HttpStatusCode.OK, b => Check(b, "daemon") == "Degraded", TimeSpan.FromSeconds(30));
        Assert.Equal("Degraded", body.GetProperty("status").GetString());
        Assert.StartsWith("disabled; stalled", body.GetProperty("checks").GetProperty("daemon").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Hostile_query_strings_and_methods_on_the_health_paths_never_get_a_5xx()
    {
        await using var nodes = new Nodes();
        var node = await nodes.Start();
        using var client = node.Anonymous();

        foreach (var path in new[] { "/health/ready?x=%00", "/health/ready?%ff%fe=%c0%80", "/health/live?x=%00&x=%00", "/health/ready/%00", "/health/ready?" + new string('x', 8000) })
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head, HttpMethod.Post })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path) { Content = method == HttpMethod.Post ? new StringContent("\0{") : null });
            Assert.True((int)response.StatusCode < 500, $"{method} {path}: {(int)response.StatusCode}");
        }
    }
}
