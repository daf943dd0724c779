using Dispatch.Server.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Dispatch.Server.Tests.Cluster;

/// <summary>
/// Server nodes on one database of their own, as in a cluster: each keeps the database, which is dropped when the last
/// goes (so a test may stop any node, the one that made the database included).
/// </summary>
public sealed class Nodes : IAsyncDisposable
{
    readonly string _database = $"dispatch_test_{Guid.NewGuid():N}";
    readonly List<DispatchApp> _started = [];
    readonly HashSet<DispatchApp> _stopped = [];

    /// <summary>Starts one more node on the database (with these settings, before it starts).</summary>
    public async Task<DispatchApp> Start(Dictionary<string, string?>? settings = null)
    {
        var node = DispatchApp.OnDatabase(_database, keepDatabase: true);
        foreach (var (key, value) in settings ?? []) node.Settings[key] = value;
        _started.Add(node);
        await ((IAsyncLifetime)node).InitializeAsync();
        return node;
    }

    /// <summary>Stops a node (its host shuts down: its connections and advisory locks go).</summary>
    public async Task Stop(DispatchApp node)
    {
        if (_stopped.Add(node)) await ((IAsyncLifetime)node).DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _started) await Stop(node);
        if (_started.Count == 0) return;
        NpgsqlConnection.ClearAllPools();
        var admin = new NpgsqlConnectionStringBuilder(_started[0].ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
