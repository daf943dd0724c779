using Npgsql;

namespace Dispatch.Server.Live;

/// <summary>
/// One connection that LISTENs on PostgreSQL channels for as long as the node runs. When the connection is lost it
/// reconnects and calls <c>onMissed</c>: notices sent while it was away are gone, so whoever relies on them reloads.
/// </summary>
public sealed class NotificationListener(
    NpgsqlDataSource db, IReadOnlyList<string> channels, Action<string, string> onNotice, Func<Task> onMissed, ILogger log)
{
    volatile NpgsqlConnection? _connection;

    /// <summary>Whether the LISTEN connection is up now (the readiness check reads it).</summary>
    public bool Connected => _connection?.State == System.Data.ConnectionState.Open;

    /// <summary>Listen now (before the host serves), so no commit made through this node goes unheard.</summary>
    public async Task StartAsync(CancellationToken ct) => _connection = await Listen(ct);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                _connection ??= await Listen(ct);
                await _connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception ex)
            {
                log.LogWarning(ex, "Lost the listener connection for {Channels}; reconnecting", string.Join(", ", channels));
                if (_connection is not null) await _connection.DisposeAsync();
                _connection = null;
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                _connection = await TryListen(ct);
                if (_connection is not null) await onMissed();
            }
        }
        if (_connection is not null) await _connection.DisposeAsync();
    }

    async Task<NpgsqlConnection?> TryListen(CancellationToken ct)
    {
        try { return await Listen(ct); }
        catch (Exception ex) when (ex is not OperationCanceledException) { log.LogWarning(ex, "Cannot listen yet"); return null; }
    }

    async Task<NpgsqlConnection> Listen(CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        connection.Notification += (_, e) => onNotice(e.Channel, e.Payload);
        foreach (var channel in channels)
        {
            await using var command = new NpgsqlCommand($"LISTEN {channel}", connection);
            await command.ExecuteNonQueryAsync(ct);
        }
        return connection;
    }
}
