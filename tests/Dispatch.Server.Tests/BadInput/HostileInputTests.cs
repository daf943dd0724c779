using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Tests.Sensors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dispatch.Server.Tests.BadInput;

/// <summary>
/// Generated hostile input to every JSON endpoint under /api (enumerated from the app's routes) and every method of our
/// hubs (by reflection): never a 5xx or an unhandled exception, a 400 is problem details, the hub connection stays
/// usable, and nothing is written (event and document counts unchanged).
/// </summary>
public class HostileInputTests(DispatchApp app, ITestOutputHelper output) : IClassFixture<DispatchApp>, IAsyncLifetime
{
    /// <summary>Route groups (by path prefix); "/api" is every route not under another prefix.</summary>
    public static TheoryData<string> Groups => new() { "/api/incidents", "/api/units", "/api/chat", "/api/session", "/api/users", "/api/devices", "/api" };

    public static TheoryData<string> Hubs => new() { nameof(Dispatch.Server.Units.UnitHub), nameof(Dispatch.Server.Chat.ChatHub), nameof(Dispatch.Server.Live.BoardHub) };

    static readonly string[] Prefixes = ["/api/incidents", "/api/units", "/api/chat", "/api/session", "/api/users", "/api/devices"];

    /// <summary>Unit actions (UnitApi's switch); an unknown one is in the corpus too.</summary>
    static readonly string[] UnitActions = ["on-duty", "off-duty", "en-route", "accept-and-go", "on-scene", "returning", "release", "position", "dispatch"];

    /// <summary>
    /// Unit actions that read no body field: they rightly ignore a field that binds (lat 2^63 to on-duty), and one of
    /// on-duty and off-duty is always allowed, so they get only the bodies that are wrong as a whole.
    /// </summary>
    static readonly string[] UnitActionsWithoutFields = ["on-duty", "off-duty", "en-route", "accept-and-go", "on-scene", "returning"];

    HttpClient _client = null!;
    /// <summary>A device's own client (its key, no cookie): the readings endpoint takes nothing else.</summary>
    HttpClient _device = null!;
    Guid _incident, _unit, _deviceId;
    string _unitLogin = "";

    public async Task InitializeAsync()
    {
        _client = app.Client();
        _incident = (await _client.Accepted()).Id;
        _unitLogin = Api.Unique("unit");
        using var registered = await _client.PostAsJsonAsync("/api/units", new
        {
            callSign = Api.Unique("H"), department = Steps.Department, jurisdiction = new Access.Scopes(app).Town.Code,
            capabilities = new[] { "enforcement" }, members = new[] { "王强" }, login = _unitLogin, password = DispatchApp.Password,
        });
        await registered.ShouldBe(HttpStatusCode.OK);
        _unit = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var device = await _client.Register(Sensors.Devices.Body("noise"));
        (_deviceId, _device) = (device.Id, app.Keyed(device.Key));
    }

    public Task DisposeAsync()
    {
        _client.Dispose();
        _device.Dispose();
        return Task.CompletedTask;
    }

    IReadOnlyList<RouteEndpoint> ApiEndpoints() =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api", StringComparison.OrdinalIgnoreCase)
                        && e.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 })];

    static string GroupOf(RouteEndpoint e) =>
        Prefixes.FirstOrDefault(p => e.RoutePattern.RawText!.StartsWith(p, StringComparison.OrdinalIgnoreCase)) ?? "/api";

    /// <summary>
    /// Values for each route parameter: an existing id, the all-zero id and malformed ones. No %00 in a path: Kestrel
    /// refuses it with a bare 400 before the app sees the request.
    /// </summary>
    IEnumerable<(string Path, bool Existing)> Paths(RouteEndpoint endpoint)
    {
        var raw = endpoint.RoutePattern.RawText!;
        IEnumerable<(string Path, bool Existing)> paths = [(raw, true)];
        foreach (var parameter in endpoint.RoutePattern.Parameters)
        {
            var token = raw[raw.IndexOf("{" + parameter.Name, StringComparison.Ordinal)..];
            token = token[..(token.IndexOf('}') + 1)];
            (string Value, bool Existing)[] values = parameter.Name switch
            {
                "action" when raw.StartsWith("/api/units", StringComparison.Ordinal) =>
                    [.. UnitActions.Select(a => (a, true)), ("no-such-action", false)],
                "action" => [.. IncidentCommandParser.Actions.Select(a => (a, true)), ("no-such-action", false)],
                "login" => [(DispatchApp.DefaultUser, true), ("no-such-user", false), ("a%01b", false), (new string('x', 5000), false)],
                _ => [((raw.StartsWith("/api/units", StringComparison.Ordinal) ? _unit
                        : raw.StartsWith("/api/devices", StringComparison.Ordinal) ? _deviceId : _incident).ToString(), true),
                      (Guid.Empty.ToString(), false), ("not-a-guid", false), ("0", false)],
            };
            paths = paths.SelectMany(p => values.Select(v => (p.Path.Replace(token, v.Value), p.Existing && v.Existing))).ToList();
        }
        return paths;
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public async Task Hostile_input_to_every_endpoint_is_a_4xx_and_writes_nothing(string group)
    {
        var endpoints = ApiEndpoints().Where(e => GroupOf(e) == group).ToList();
        Assert.NotEmpty(endpoints);
        using var anonymous = app.Anonymous();
        var requests = new List<(string Label, Func<HttpRequestMessage> Make, HttpClient Client)>();
        foreach (var endpoint in endpoints)
        foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
        {
            // Signing out is not bad input: it would only end the suite's own session.
            var route = endpoint.RoutePattern.RawText!.TrimEnd('/');
            if (method == "DELETE" && route == "/api/session") continue;
            var client = route == "/api/session" && method == "POST" ? anonymous
                : route.EndsWith("/readings", StringComparison.Ordinal) ? _device : _client;
            var handler = endpoint.Metadata.GetMetadata<MethodInfo>();
            foreach (var (path, existing) in Paths(endpoint))
            {
                if (method is "GET" or "HEAD")
                {
                    requests.Add(($"{method} {path}", () => new HttpRequestMessage(new HttpMethod(method), path), client));
                    foreach (var (name, type) in QueryParameters(handler, endpoint))
                    foreach (var value in HostileCorpus.QueryValues(name, type))
                    {
                        var query = $"{path}?{name}={value}";
                        requests.Add(($"{method} {Short(query)}", () => new HttpRequestMessage(new HttpMethod(method), query), client));
                    }
                    continue;
                }
                var bodies = HostileCorpus.Bodies(HostileCorpus.BodyTypesOf(handler)).Select(b => b.Label).ToList();
                // An existing id meets the whole corpus; the all-zero and malformed ids a sample of it.
                var take = existing ? bodies.Count : 20;
                if (path.StartsWith("/api/units/", StringComparison.Ordinal) && UnitActionsWithoutFields.Any(a => path.EndsWith("/" + a, StringComparison.Ordinal)))
                    take = HostileCorpus.WholeBodies;
                for (var i = 0; i < Math.Min(take, bodies.Count); i++)
                {
                    var index = i;
                    requests.Add(($"{method} {path} [{bodies[i]}]", () => new HttpRequestMessage(new HttpMethod(method), path)
                    {
                        Content = HostileCorpus.Bodies(HostileCorpus.BodyTypesOf(handler)).ElementAt(index).Content,
                    }, client));
                }
            }
        }

        var errors = Unhandled();
        var before = await Written.Count(app);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var refused = 0L;
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (r, ct) =>
        {
            using var request = r.Make();
            using var response = await r.Client.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status is 401 or 403) Interlocked.Increment(ref refused);
            if (status < 300 && !r.Label.StartsWith("GET", StringComparison.Ordinal)) accepted.Enqueue($"{status} {r.Label}");
            var body = await response.Content.ReadAsStringAsync(ct);
            if (status >= 500) failures.Enqueue($"{status} {r.Label}: {Short(body, 300)}");
            else if (status == 400)
            {
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || body.Length == 0)
                    failures.Enqueue($"400 not problem+json ({response.Content.Headers.ContentType}) {r.Label}: {Short(body, 200)}");
                else if (JsonDocument.Parse(body).RootElement.TryGetProperty("errors", out var named)
                         && (named.ValueKind != JsonValueKind.Object || !named.EnumerateObject().Any()))
                    failures.Enqueue($"400 with errors naming no field {r.Label}: {Short(body, 200)}");
            }
        });
        var after = await Written.Count(app);

        output.WriteLine($"{group}: {endpoints.Count} endpoints, {requests.Count} requests; answers " +
                         string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        foreach (var a in accepted.Take(40)) output.WriteLine("  accepted: " + a);
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers:\n" + string.Join("\n", failures.Take(30)));
        Assert.Equal("", before.Difference(after));
        // A refused sign-in or a denied read of the audit trail or the KPIs is kept on the audit trail by design.
        Assert.InRange(before.AuditEntries(after), 0, refused);
        Assert.Empty(NewSince(errors, Unhandled()));
    }

    [Fact]
    public void Every_api_endpoint_is_in_a_group_and_every_group_has_endpoints()
    {
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} /api endpoints found");
        Assert.All(Groups.Cast<object[]>().Select(g => (string)g[0]), g => Assert.Contains(endpoints, e => GroupOf(e) == g));
    }

    [Fact]
    public void Every_hub_of_ours_is_in_the_suite()
    {
        var hubs = typeof(Program).Assembly.GetTypes().Where(t => typeof(Hub).IsAssignableFrom(t) && !t.IsAbstract).Select(t => t.Name);
        Assert.Equal(hubs.Order(), Hubs.Cast<object[]>().Select(h => (string)h[0]).Order());
    }

    static IEnumerable<(string Name, Type Type)> QueryParameters(MethodInfo? handler, RouteEndpoint endpoint)
    {
        var routeNames = endpoint.RoutePattern.Parameters.Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var simple = handler?.GetParameters()
            .Where(p => p.Name is not null && !routeNames.Contains(p.Name) && IsSimple(p.ParameterType))
            .Select(p => (p.Name!, p.ParameterType)).ToList() ?? [];
        // Handlers that read the query themselves: the names the API uses, and one nobody expects.
        return [.. simple, ("junk", typeof(string)), .. simple.Count == 0 ? [("state", typeof(string)), ("urgency", typeof(string)), ("limit", typeof(int?))] : Array.Empty<(string, Type)>()];
    }

    static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(Guid) || t == typeof(DateTimeOffset) || t == typeof(DateTime) || t == typeof(decimal);
    }

    [Theory]
    [MemberData(nameof(Hubs))]
    public async Task Hostile_arguments_to_every_hub_method_are_answered_and_write_nothing(string hubName)
    {
        var hub = typeof(Program).Assembly.GetTypes().Single(t => t.Name == hubName && typeof(Hub).IsAssignableFrom(t));
        var methods = hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == hub).ToList();
        Assert.NotEmpty(methods);

        await using var session = await Connect(hubName);
        var connection = session.Connection;
        var calls = new List<(string Label, string Method, object?[] Args)>();
        foreach (var method in methods)
        {
            var parameters = method.GetParameters();
            var neutral = parameters.Select(p => HostileCorpus.Neutral(p.ParameterType)).ToArray();
            for (var i = 0; i < parameters.Length; i++)
            foreach (var bad in HostileCorpus.HubValues(parameters[i].ParameterType))
            {
                var args = (string[])neutral.Clone();
                args[i] = bad;
                calls.Add(($"{method.Name}({string.Join(", ", args.Select(a => Short(a)))})", method.Name, Args(args)));
            }
            // The wrong number of arguments.
            calls.Add(($"{method.Name} with one argument too many", method.Name, Args([.. neutral, "\"extra\""])));
            if (parameters.Length > 0) calls.Add(($"{method.Name} with no arguments", method.Name, []));
        }
        calls.Add(("NoSuchMethod", "NoSuchMethod", Args(["1"])));

        var errors = Unhandled();
        var before = await Written.Count(app);
        var failures = new List<string>();
        foreach (var (label, method, args) in calls)
        {
            try
            {
                var answer = await connection.InvokeCoreAsync(method, typeof(JsonElement), args).WaitAsync(TimeSpan.FromSeconds(10));
                if (answer is JsonElement { ValueKind: JsonValueKind.Object } reply && reply.TryGetProperty("ok", out var ok) && ok.GetBoolean())
                    failures.Add($"{label}: answered ok {reply}");
            }
            catch (HubException) { }
            catch (Exception ex)
            {
                failures.Add($"{label}: {ex.GetType().Name}: {ex.Message}");
            }
            if (connection.State != HubConnectionState.Connected)
            {
                failures.Add($"{label}: the connection is {connection.State}");
                break;
            }
        }
        var after = await Written.Count(app);

        output.WriteLine($"{hubName}: {methods.Count} methods, {calls.Count} calls");
        Assert.True(failures.Count == 0, $"{failures.Count} bad answers:\n" + string.Join("\n", failures.Take(30)));
        await session.Probe();
        Assert.Equal("", before.Difference(after));
        Assert.Equal(0, before.AuditEntries(after));
        Assert.Empty(NewSince(errors, Unhandled()));
    }

    /// <summary>
    /// The server's logged exceptions, less the <see cref="HubException"/>s a hub throws on purpose to answer a caller
    /// (SignalR logs those at Error too, but they are answers, not failures).
    /// </summary>
    List<string> Unhandled() => [.. app.ServerErrors.All.Where(e => !e.Contains(typeof(HubException).FullName!, StringComparison.Ordinal))];

    /// <summary>The entries of <paramref name="after"/> that were not yet in <paramref name="before"/> (as a multiset).</summary>
    static List<string> NewSince(List<string> before, List<string> after)
    {
        var left = new List<string>(before);
        return [.. after.Where(e => !left.Remove(e))];
    }

    static object?[] Args(IEnumerable<string> json) => [.. json.Select(j => (object?)JsonDocument.Parse(j).RootElement.Clone())];

    /// <summary>A connected client of the hub and a call that shows it is still served.</summary>
    sealed record HubSession(HubConnection Connection, Func<Task> Probe, IAsyncDisposable Owner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owner.DisposeAsync();
    }

    async Task<HubSession> Connect(string hubName)
    {
        switch (hubName)
        {
            case nameof(Dispatch.Server.Units.UnitHub):
                var phone = await UnitDevice.Connect(app, _unitLogin);
                return new(phone.Connection, async () => Assert.Equal(_unit, (await phone.Me()).Id), phone);
            case nameof(Dispatch.Server.Chat.ChatHub):
                var chat = await ChatClient.Connect(app, Api.Unique("hostile"));
                return new(chat.Connection, async () => Assert.NotNull(await chat.Channels()), chat);
            case nameof(Dispatch.Server.Live.BoardHub):
                var board = await BoardClient.Connect(app);
                return new(board.Connection, async () => Assert.NotEmpty(await board.Board()), board);
            default:
                throw new InvalidOperationException($"No client for the hub {hubName}: add one here.");
        }
    }

    static string Short(string s, int max = 60) => s.Length > max ? s[..(max - 1)] + "…" : s;
}
