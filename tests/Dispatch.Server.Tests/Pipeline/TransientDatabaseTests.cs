using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Pipeline;

/// <summary>
/// Issue 14 item 13: the database cuts the server's connections (what a fast PostgreSQL restart does to them:
/// <c>pg_terminate_backend</c> sends the same 57P01 "terminating connection due to administrator command"). The next
/// command, which meets a dead connection before its commit, is decided again on a new one and succeeds.
/// </summary>
public sealed class TransientDatabaseTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    async Task<Guid> Registered(string callSign)
    {
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Terminates every backend of this fixture's database but the killer's own; returns how many.</summary>
    async Task<int> CutTheServersConnections()
    {
        var killer = new NpgsqlConnectionStringBuilder(app.ConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(killer);
        await connection.OpenAsync();
        await using var kill = new NpgsqlCommand(
            "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity " +
            "where datname = current_database() and pid <> pg_backend_pid()) t", connection);
        var killed = (long)(await kill.ExecuteScalarAsync())!;
        await Task.Delay(200); // let the backends go
        return (int)killed;
    }

    [Fact]
    public async Task A_command_meeting_a_cut_connection_before_its_commit_is_retried_on_a_new_one()
    {
        var unit = await Registered("断线-01");
        var units = app.Services.GetRequiredService<UnitService>();
        var actor = new Actor(DispatchApp.DefaultUser, "Test", [new Grant(Role.Dispatcher, _scopes.City.Path)]);
        Assert.IsType<UnitOutcome.Done>(await units.Handle(actor, unit, new GoOnDuty("")));

        Assert.True(await CutTheServersConnections() > 0);

        Assert.IsType<UnitOutcome.Done>(await units.Handle(actor, unit, new GoOffDuty("")));
        await using var query = app.Documents().QuerySession();
        Assert.Equal(UnitStatus.OffDuty, (await query.LoadAsync<UnitRosterEntry>(unit))!.Status);
    }

    /// <summary>
    /// The connection is cut in the middle of the work (its stream locked, its transaction open), as a restart would cut it:
    /// the next read fails with 57P01, the pipeline decides again on a new connection, and the command is written once.
    /// </summary>
    [Fact]
    public async Task A_work_whose_connection_is_cut_mid_transaction_is_decided_again_and_written_once()
    {
        var unit = await Registered("断线-03");
        var pipeline = app.Services.GetRequiredService<CommandPipeline>();
        var actor = new Actor(DispatchApp.DefaultUser, "Test", [new Grant(Role.Dispatcher, _scopes.City.Path)]);
        var before = await app.StreamVersion(unit);
        var attempts = 0;

        var done = await pipeline.Run(actor, Via.Api, "test.transient", async work =>
        {
            attempts++;
            var stream = await work.Unit(unit);
            if (attempts == 1)
            {
                var killer = new NpgsqlConnectionStringBuilder(app.ConnectionString) { Pooling = false }.ConnectionString;
                await using var connection = new NpgsqlConnection(killer);
                await connection.OpenAsync();
                await using var kill = new NpgsqlCommand($"select pg_terminate_backend({work.Query.Connection!.ProcessID})", connection);
                Assert.True((bool)(await kill.ExecuteScalarAsync())!);
                await Task.Delay(200);
            }
            await work.Query.LoadAsync<UnitRosterEntry>(unit, work.Cancellation); // on the first attempt: 57P01
            var decision = UnitDecider.Decide(stream.Aggregate!, new GoOnDuty(actor.Login), work.Now);
            return Decided.With<bool>([new UnitDecided(unit, decision.Events)], _ => true);
        });

        Assert.True(done);
        Assert.Equal(2, attempts);
        Assert.Equal(before + 1, await app.StreamVersion(unit));
    }

    [Fact]
    public async Task An_api_command_after_the_connections_were_cut_succeeds()
    {
        var unit = await Registered("断线-02");
        var client = app.Client();
        using (var warm = await client.PostRaw($"/api/units/{unit}/on-duty", "{}")) await warm.ShouldBe(HttpStatusCode.OK);

        await CutTheServersConnections();

        using var response = await client.PostRaw($"/api/units/{unit}/off-duty", "{}");
        await response.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void What_counts_as_transient()
    {
        Assert.True(TransientDatabase.Is(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.True(TransientDatabase.Is(new InvalidOperationException("wrapped", new PostgresException("x", "FATAL", "FATAL", "08006"))));
        Assert.False(TransientDatabase.Is(new PostgresException("duplicate key", "ERROR", "ERROR", "23505")));
        Assert.False(TransientDatabase.Is(new InvalidOperationException("not a database failure")));
    }
}
