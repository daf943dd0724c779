using System.Diagnostics;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Marten.Events;
using Marten.Events.Daemon.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Dispatch.Server.Tests.Storage;

/// <summary>
/// A database with incidents through their loop and KPI rows, backed up by <c>deploy/backup</c> (the script itself, on
/// this fixture's database), once for the class.
/// </summary>
public sealed class BackedUpDatabase : IAsyncLifetime
{
    public DispatchApp Source { get; } = BackupRestoreTests.OneNode(new DispatchApp());
    public string Dump { get; } = Path.Combine(Path.GetTempPath(), $"dispatch-backup-test-{Guid.NewGuid():N}.dump");
    public IReadOnlyList<Guid> Incidents { get; private set; } = [];

    async Task IAsyncLifetime.InitializeAsync()
    {
        await ((IAsyncLifetime)Source).InitializeAsync();
        var client = Source.Client();
        var ids = new List<Guid>();
        // One closed after the whole loop, one returned and assigned again, one acknowledged, one only reported.
        var closed = (await client.ReportOk()).Id;
        await client.CommandOk(closed, "accept");
        await client.CommandOk(closed, "assign", new { department = "urban-management" });
        await client.CommandOk(closed, "acknowledge", new { department = "urban-management" });
        await client.CommandOk(closed, "resolve", new { department = "urban-management", resolution = "已修复" });
        await client.CommandOk(closed, "callback", new { satisfaction = 4 });
        await client.CommandOk(closed, "close");
        var returned = (await client.ReportOk()).Id;
        await client.CommandOk(returned, "accept");
        await client.CommandOk(returned, "assign", new { department = "water" });
        await client.CommandOk(returned, "return", new { department = "water", reason = "不属本部门职责" });
        await client.CommandOk(returned, "assign", new { department = "urban-management" });
        var acknowledged = (await client.ReportOk()).Id;
        await client.CommandOk(acknowledged, "accept");
        await client.CommandOk(acknowledged, "assign", new { department = "water" });
        await client.CommandOk(acknowledged, "acknowledge", new { department = "water" });
        var reported = (await client.ReportOk()).Id;
        Incidents = [closed, returned, acknowledged, reported];
        await Source.Documents().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

        await BackupRestoreTests.Script(Source.ConnectionString, "deploy/backup", Dump);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        File.Delete(Dump);
        await ((IAsyncLifetime)Source).DisposeAsync();
    }
}

/// <summary>
/// <c>deploy/backup</c> and <c>deploy/restore</c> (the scripts, with pg_dump and pg_restore of the server's version):
/// a server started on the restored copy shows the same boards, incidents and KPI rows; and the events alone suffice —
/// with its read models dropped, a rebuild of the projections gives the same again.
/// </summary>
public sealed class BackupRestoreTests(BackedUpDatabase backup) : IClassFixture<BackedUpDatabase>
{
    const string KpiQuery = "/api/kpis?by=department&daily=true";

    [Fact]
    public async Task A_server_on_a_restored_backup_shows_the_same_board_incidents_and_kpi_rows()
    {
        // Given the backed-up database's board, incidents and KPI rows
        var before = await Snapshot(backup.Source, "before");

        // When the dump is restored into a fresh database and a server starts on it
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        var restored = await Script(backup.Source.ConnectionString, "deploy/restore", backup.Dump, database);
        Assert.Equal(database, restored);
        var app = OneNode(DispatchApp.OnDatabase(database, keepDatabase: false));
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            await app.Documents().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

            // Then it shows exactly the same
            var after = await Snapshot(app, "after");
            Assert.Equal(before.Board, after.Board);
            Assert.Equal(before.Details, after.Details);
            Assert.Equal(before.Kpis, after.Kpis);
            // and it goes on where the original stood: the next command on an incident takes its next version
            var client = app.Client("after-restore");
            await client.CommandOk(backup.Incidents[3], "accept");
            Assert.Equal("Accepted", (await client.Detail(backup.Incidents[3])).GetProperty("state").GetString());
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_restored_copy_whose_read_models_are_dropped_rebuilds_the_same_board_and_kpi_rows_from_its_events()
    {
        var before = await Snapshot(backup.Source, "before-rebuild");

        // Given a restored copy without its boards, incident details and KPI rows (tables dropped: only events remain)
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        await Script(backup.Source.ConnectionString, "deploy/restore", backup.Dump, database);
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(backup.Source.ConnectionString) { Database = database }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand(
                "drop table dispatch.mt_doc_incidentcard, dispatch.mt_doc_incidentdetail, dispatch.mt_doc_kpiday, dispatch.mt_doc_kpiincident cascade",
                connection);
            await drop.ExecuteNonQueryAsync();
        }
        var app = OneNode(DispatchApp.OnDatabase(database, keepDatabase: false));
        await ((IAsyncLifetime)app).InitializeAsync();
        try
        {
            Assert.Equal(0, (await app.Client("rebuild-reader").GetJson("/api/board")).GetArrayLength());
            Assert.Equal(0, (await Leader(app, "rebuild-leader").GetJson(KpiQuery)).GetArrayLength());

            // When every read model is rebuilt from the events by Marten's daemon
            var daemon = app.Services.GetRequiredService<IProjectionCoordinator>().DaemonForMainDatabase();
            await daemon.RebuildProjectionAsync(typeof(IncidentCardProjection), TimeSpan.FromSeconds(60), CancellationToken.None);
            await daemon.RebuildProjectionAsync(typeof(IncidentDetailProjection), TimeSpan.FromSeconds(60), CancellationToken.None);
            await daemon.RebuildProjectionAsync(Dispatch.Server.Performance.KpiProjection.Name, TimeSpan.FromSeconds(60), CancellationToken.None);
            await app.Documents().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

            // Then the board, the incidents and the KPI rows are those of the original
            var after = await Snapshot(app, "after-rebuild");
            Assert.Equal(before.Board, after.Board);
            Assert.Equal(before.Details, after.Details);
            Assert.Equal(before.Kpis, after.Kpis);
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    sealed record Views(string Board, string Details, string Kpis);

    /// <summary>One node, so the projection daemon runs here at once (no leader election to wait for).</summary>
    internal static DispatchApp OneNode(DispatchApp app)
    {
        app.Settings["Dispatch:Projections:Daemon"] = "Solo";
        return app;
    }

    static HttpClient Leader(DispatchApp app, string login) =>
        app.Client(login, "en", new Grant(Role.Leader, app.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>().City.Path));

    /// <summary>The board, every incident's detail and the KPI rows, as the API answers them (JSON text).</summary>
    async Task<Views> Snapshot(DispatchApp app, string tag)
    {
        var client = app.Client($"backup-{tag}");
        var board = await client.GetJson("/api/board");
        Assert.Equal(backup.Incidents.Count - 1, board.GetArrayLength()); // the closed one has left the board
        var details = new List<string>();
        foreach (var id in backup.Incidents) details.Add((await client.Detail(id)).GetRawText());
        var kpis = await Leader(app, $"backup-leader-{tag}").GetJson(KpiQuery);
        Assert.True(kpis.GetArrayLength() >= 2, kpis.GetRawText()); // urban management and water have rows today
        return new Views(board.GetRawText(), string.Join('\n', details), kpis.GetRawText());
    }

    /// <summary>Runs a deploy/ script on the database behind <paramref name="connection"/>; returns its stdout's last line.</summary>
    internal static async Task<string> Script(string connection, string script, params string[] arguments)
    {
        var root = Root();
        var start = new ProcessStartInfo("bash", [Path.Combine(root, script), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = root,
        };
        start.Environment["ConnectionStrings__Dispatch"] = connection;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{script} failed (exit {process.ExitCode}):\n{await errors}");
        return (await output).Trim().Split('\n')[^1];
    }

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "deploy", "backup"))) return dir.FullName;
        throw new InvalidOperationException("deploy/backup not found above " + AppContext.BaseDirectory);
    }
}
