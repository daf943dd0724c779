using Dispatch.Server.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// The real Dispatch server on a real Kestrel port, on a fresh PostgreSQL database of its own.
/// The server is <c>DISPATCH_TEST_CONNECTION</c> (set by deploy/test) or, when unset, the embedded local
/// cluster that deploy/local/postgres.sh starts. Each fixture creates its database and drops it at the end.
/// </summary>
public class DispatchApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    static readonly Lazy<string> PostgresServer = new(() =>
        Environment.GetEnvironmentVariable("DISPATCH_TEST_CONNECTION") is { Length: > 0 } configured
            ? configured
            : EmbeddedPostgres.EnsureStarted());

    readonly string _database;
    readonly bool _keepDatabase;

    public string ConnectionString { get; }

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The server's logged exceptions, newest last (the reason behind a 500).</summary>
    public ServerErrors ServerErrors { get; } = new();

    /// <summary>Replace to control time in a test (set before the first request).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public DispatchApp() : this($"dispatch_test_{Guid.NewGuid():N}", keepDatabase: false) { }

    /// <summary>
    /// A server on the named database, created if missing. With <paramref name="keepDatabase"/> the database
    /// outlives this server, so a second one can start on it (a restart).
    /// </summary>
    public static DispatchApp OnDatabase(string database, bool keepDatabase) => new(database, keepDatabase);

    // Not public: an xunit class fixture may have only one public constructor.
    DispatchApp(string database, bool keepDatabase)
    {
        (_database, _keepDatabase) = (database, keepDatabase);
        // Test classes run in parallel, each with its own server and pools, on one PostgreSQL (max_connections is
        // often 100): a smaller pool makes a burst of requests queue for a connection instead of failing with
        // "too many clients". 20 per pool still lets the concurrency tests really race.
        var connection = new NpgsqlConnectionStringBuilder(PostgresServer.Value) { Database = _database };
        connection.MaxPoolSize = Math.Min(connection.MaxPoolSize, 20);
        ConnectionString = connection.ConnectionString;
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer.Value) { Database = "postgres" }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", admin);
            exists.Parameters.AddWithValue(_database);
            if (await exists.ExecuteScalarAsync() is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", admin);
                await create.ExecuteNonQueryAsync();
            }
        }
        UseKestrel(0);
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        BaseAddress = new Uri(addresses.Addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1") + "/");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Dispatch", ConnectionString);
        builder.UseSetting("Dispatch:Demo:Seed", "false");
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton(Clock)));
        builder.ConfigureLogging(logging => logging.AddProvider(ServerErrors));
    }

    /// <summary>An HTTP client for the real server, acting as <paramref name="operatorName"/>.</summary>
    public HttpClient Client(string operatorName = "test-dispatcher", string language = "en")
    {
        var client = new HttpClient(new ExplainServerErrors(ServerErrors)) { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add(Dispatch.Server.Incidents.Operator.Header, operatorName);
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_keepDatabase) return;
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(PostgresServer.Value) { Database = "postgres" }.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
