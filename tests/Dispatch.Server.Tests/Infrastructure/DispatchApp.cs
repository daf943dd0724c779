using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
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

    /// <summary>More configuration for this server (before it starts), e.g. low rate limits for the rate-limit tests.</summary>
    public Dictionary<string, string?> Settings { get; init; } = [];

    /// <summary>Every test user's password.</summary>
    public const string Password = "test-password-1";

    /// <summary>The default test user: call-taker, dispatcher and every department's handler, city-wide.</summary>
    public const string DefaultUser = "test-dispatcher";

    readonly ConcurrentDictionary<string, Lazy<Task>> _users = new();

    public DispatchApp() : this($"dispatch_test_{Guid.NewGuid():N}", keepDatabase: false) { }

    /// <summary>
    /// A server on the named database, created if missing. With <paramref name="keepDatabase"/> the database
    /// outlives this server, so a second one can start on it (a restart).
    /// </summary>
    public static DispatchApp OnDatabase(string database, bool keepDatabase, TimeProvider? clock = null) =>
        new(database, keepDatabase) { Clock = clock ?? TimeProvider.System };

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
        // The surge watch writes streams of its own when a test's reports pile up in one town: off unless a test is about
        // it (SurgeWatchingApp), so stream and event counts stay the test's own.
        builder.UseSetting("Dispatch:Warning:Enabled", "false");
        // Tests sign in and send bursts from one address; the rate-limit tests set their own low limits.
        builder.UseSetting("Dispatch:RateLimits:ApiPerSecond", "100000");
        builder.UseSetting("Dispatch:RateLimits:SignInsPerMinute", "100000");
        builder.UseSetting("Dispatch:RateLimits:SignInsPerLoginPerMinute", "100000");
        builder.UseSetting("Dispatch:RateLimits:HubCallsPerSecond", "100000");
        builder.UseSetting("Dispatch:Open311:RequestsPerMinute", "100000");
        // Likewise the admission gate: tests fire bursts on a loaded machine and expect them all done; the overload tests
        // (AdmissionTests) set a tiny gate of their own.
        builder.UseSetting("Dispatch:Admission:MaxConcurrentCommands", "64");
        builder.UseSetting("Dispatch:Admission:MaxQueuedCommands", "100000");
        builder.UseSetting("Dispatch:Admission:MaxWaitMs", "600000");
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton(Clock)));
        builder.ConfigureLogging(logging => logging.AddProvider(ServerErrors));
    }

    /// <summary>
    /// An HTTP client signed in as <paramref name="login"/> (it signs in on its first request). The user is created
    /// on first use with <paramref name="grants"/>, or, when none are given, with every incident role city-wide.
    /// </summary>
    public HttpClient Client(string login = DefaultUser, string? language = "en", params Grant[] grants)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new ExplainServerErrors(ServerErrors, new SignInFirst(this, login, grants, cookies)))
        {
            BaseAddress = BaseAddress,
        };
        if (language is not null) client.DefaultRequestHeaders.AcceptLanguage.ParseAdd(language);
        return client;
    }

    /// <summary>An HTTP client that has not signed in.</summary>
    public HttpClient Anonymous() =>
        new(new ExplainServerErrors(ServerErrors, new SocketsHttpHandler { CookieContainer = new CookieContainer() })) { BaseAddress = BaseAddress };

    /// <summary>Signs in as the user (created on first use, see <see cref="Client"/>) and returns the session cookie.</summary>
    public async Task<CookieContainer> SignIn(string login = DefaultUser, params Grant[] grants)
    {
        await EnsureUser(login, grants);
        var cookies = new CookieContainer();
        using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = BaseAddress };
        using var response = await client.PostAsJsonAsync("/api/session", new { login, password = Password });
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"Sign-in as {login} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return cookies;
    }

    /// <summary>Creates the test user once (later calls with the same login keep it, so its sessions stay valid).</summary>
    public Task EnsureUser(string login, params Grant[] grants) =>
        _users.GetOrAdd(login, _ => new Lazy<Task>(async () =>
        {
            var users = Services.GetRequiredService<Users>();
            if (await users.Find(login) is not null) return;
            await users.Ensure(login, login, Password, grants.Length > 0 ? grants : Everything());
        })).Value;

    /// <summary>Call-taker, dispatcher and handler of every department, city-wide: the loop end to end.</summary>
    public Grant[] Everything()
    {
        var city = Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>().City.Path;
        return
        [
            new Grant(Role.CallTaker, city), new Grant(Role.Dispatcher, city),
            .. Services.GetRequiredService<CityCatalog>().DepartmentCodes.Select(d => new Grant(Role.Handler, city, d)),
        ];
    }

    /// <summary>Signs in before the first request of a client; the cookie then rides on every request.</summary>
    sealed class SignInFirst(DispatchApp app, string login, Grant[] grants, CookieContainer cookies)
        : DelegatingHandler(new SocketsHttpHandler { CookieContainer = cookies })
    {
        readonly SemaphoreSlim _gate = new(1, 1);
        bool _signedIn;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (!_signedIn)
            {
                await _gate.WaitAsync(ct);
                try
                {
                    if (!_signedIn)
                    {
                        var session = await app.SignIn(login, grants);
                        foreach (Cookie cookie in session.GetAllCookies()) cookies.Add(cookie);
                        _signedIn = true;
                    }
                }
                finally { _gate.Release(); }
            }
            return await base.SendAsync(request, ct);
        }
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
