using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// When the LISTEN connection drops, notices sent meanwhile are lost: the feed reconnects and tells every
/// board client (<c>Resync</c>) and subscriber (null) to reload, then pushes again. Own fixture: it breaks
/// the feed's connection on purpose.
/// </summary>
public sealed class ListenerRecoveryTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task When_the_listener_connection_drops_clients_are_told_to_resync_and_pushes_resume()
    {
        await using var board = await BoardClient.Connect(app);
        var feed = app.Services.GetRequiredService<IncidentChangeFeed>();
        var reload = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = feed.Subscribe(card =>
        {
            if (card is null) reload.TrySetResult();
            return Task.CompletedTask;
        });
        var before = await app.Client().ReportOk();
        await board.CardAt(before.Id, before.Version);

        Assert.Equal(1, await TerminateListener());

        await board.ResyncRequested();
        await reload.Task.WaitAsync(BoardClient.Patience);
        var after = await app.Client().ReportOk();
        var card = await board.CardAt(after.Id, after.Version);
        Assert.Equal(after.Number, card.Number);
    }

    /// <summary>Kills the server backend that runs the feed's LISTEN, as a failover or network cut would.</summary>
    async Task<int> TerminateListener()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity " +
            $"where datname = current_database() and pid <> pg_backend_pid() and query = 'LISTEN {IncidentChangeFeed.Channel}'", connection);
        return (int)(long)(await kill.ExecuteScalarAsync())!;
    }
}
