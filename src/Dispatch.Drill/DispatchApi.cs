using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Units;

namespace Dispatch.Drill;

/// <summary>An answer of the API that was not the success the drill needed, with the problem's detail.</summary>
public sealed class DispatchApiException(HttpStatusCode status, string what, string body)
    : Exception($"{what}: {(int)status} {status} {Shorten(body)}")
{
    public HttpStatusCode Status { get; } = status;
    public string Body { get; } = body;

    /// <summary>The problem's <c>code</c> (a refusal's rule), if it has one.</summary>
    public string? Code => Problem("code");

    public string? Detail => Problem("detail");

    string? Problem(string name)
    {
        try
        {
            using var json = JsonDocument.Parse(Body);
            return json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        }
        catch (JsonException) { return null; }
    }

    static string Shorten(string body) => body.Length > 400 ? body[..400] + "…" : body;
}

/// <summary>
/// A client of the JSON API signed in as one user (POST /api/session), the way any device or desk signs in: the session
/// cookie rides on every request. Sign-in honours the server's sign-in rate limit (429 with Retry-After) by waiting.
/// </summary>
public sealed class DispatchClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = ContractJson.Options;

    DispatchClient(Uri url, string login, CookieContainer cookies)
    {
        Url = url;
        Login = login;
        Cookies = cookies;
        Http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = url };
    }

    public Uri Url { get; }
    public string Login { get; }
    public CookieContainer Cookies { get; }
    public HttpClient Http { get; }

    public static async Task<DispatchClient> SignIn(Uri url, string login, string password, Action<string>? log = null,
        CancellationToken ct = default)
    {
        var client = new DispatchClient(url, login, new CookieContainer());
        for (var attempt = 1; ; attempt++)
        {
            using var response = await client.Http.PostAsJsonAsync("/api/session", new { login, password }, Json, ct);
            if (response.IsSuccessStatusCode) return client;
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < 20)
            {
                var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(10);
                log?.Invoke($"sign-in of {login} held back by the server's sign-in rate limit: retrying in {wait.TotalSeconds:F0} s " +
                            "(raise Dispatch__RateLimits__SignInsPerMinute on the console for large drills)");
                await Task.Delay(wait, ct);
                continue;
            }
            var body = await response.Content.ReadAsStringAsync(ct);
            client.Dispose();
            throw new DispatchApiException(response.StatusCode, $"Cannot sign in as {login} at {url}", body);
        }
    }

    public async Task<T> Get<T>(string path, CancellationToken ct = default)
    {
        using var response = await Http.GetAsync(path, ct);
        await EnsureOk(response, $"GET {path}", ct);
        return (await response.Content.ReadFromJsonAsync<T>(Json, ct))!;
    }

    public async Task<string> GetText(string path, CancellationToken ct = default)
    {
        using var response = await Http.GetAsync(path, ct);
        await EnsureOk(response, $"GET {path}", ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>POST with a JSON body; the answer's JSON, or <see cref="DispatchApiException"/>.</summary>
    public async Task<JsonElement> Post(string path, object? body, CancellationToken ct = default)
    {
        using var response = await Http.PostAsJsonAsync(path, body ?? new { }, Json, ct);
        await EnsureOk(response, $"POST {path}", ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
    }

    /// <summary>Ends the session on the server (DELETE /api/session); a unit's hub connections are closed with it.</summary>
    public async Task SignOut(CancellationToken ct = default)
    {
        using var response = await Http.DeleteAsync("/api/session", ct);
        await EnsureOk(response, "DELETE /api/session", ct);
    }

    static async Task EnsureOk(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new DispatchApiException(response.StatusCode, what, await response.Content.ReadAsStringAsync(ct));
    }

    // --- what the drill reads and writes, as the API spells it ---

    public Task<List<RosterUnit>> Roster(CancellationToken ct = default) => Get<List<RosterUnit>>("/api/units", ct);

    public async Task<IReadOnlyList<CityDepartment>> Departments(CancellationToken ct = default) =>
        (await Get<CityInfo>("/api/city", ct)).Departments;

    /// <summary>Reports an incident through intake; its id and number.</summary>
    public async Task<(Guid Id, string Number)> Report(object report, CancellationToken ct = default)
    {
        var created = await Post("/api/incidents", report, ct);
        return (created.GetProperty("id").GetGuid(), created.GetProperty("number").GetString()!);
    }

    public Task<JsonElement> Incident(Guid id, string action, object? body = null, CancellationToken ct = default) =>
        Post($"/api/incidents/{id}/{action}", body, ct);

    public Task<JsonElement> Unit(Guid id, string action, object? body = null, CancellationToken ct = default) =>
        Post($"/api/units/{id}/{action}", body, ct);

    public void Dispose() => Http.Dispose();
}

/// <summary>A line of GET /api/units (and the unit hub's <c>Me</c>): the fields the drill uses.</summary>
public sealed record RosterUnit(
    Guid Id, string CallSign, string Department, string HomePath, string? Login, UnitStatus Status,
    Guid? IncidentId, string? IncidentNumber, double? Lat, double? Lon, DateTimeOffset? PositionAt)
{
    /// <summary>The code of its home node: the last segment of the path.</summary>
    public string HomeCode => HomePath[(HomePath.LastIndexOf('/') + 1)..];
}

public sealed record CityDepartment(string Code, string Zh, string En, List<string>? Levels)
{
    public bool AtTowns => Levels is not null && Levels.Any(l => string.Equals(l, "town", StringComparison.OrdinalIgnoreCase));
}

public sealed record CityInfo(string Name, List<CityDepartment> Departments);
