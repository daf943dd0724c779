using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>What the API answers to a successful intake or command.</summary>
public sealed record Accepted(Guid Id, string Number, long Version);

/// <summary>Request bodies and calls of the JSON API, as a client writes them.</summary>
public static class Api
{
    static long _seed = Environment.TickCount64;

    /// <summary>A unique marker for test data (descriptions, notes) so tests sharing a database never collide.</summary>
    public static string Unique(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>A valid, unique mainland mobile number, 139xxxxxxxx.</summary>
    public static string UniqueMobile() => "139" + (Interlocked.Increment(ref _seed) % 100_000_000).ToString("D8");

    /// <summary>An intake appends three events: reported, placed (or flagged), routed.</summary>
    public const long IntakeVersion = 3;

    /// <summary>Where <see cref="Report"/> lies: 东湖区人民路 128 号, inside a grid cell of the demo city.</summary>
    public const double ReportLat = 31.2304, ReportLon = 121.4737;

    /// <summary>A complete, valid hotline report; tests change or remove the field they are about.</summary>
    public static JsonObject Report(string? description = null, string category = "road-damage", int urgency = 2,
        string? callerPhone = "138-1234-5678") => new()
    {
        ["channel"] = "hotline",
        ["callerName"] = "王女士",
        ["callerPhone"] = callerPhone,
        ["lat"] = ReportLat,
        ["lon"] = ReportLon,
        ["address"] = "东湖区人民路 128 号",
        ["category"] = category,
        ["description"] = description ?? $"路面塌陷约一米见方 {Unique("d")}",
        ["urgency"] = urgency,
    };

    public static Task<HttpResponseMessage> PostReport(this HttpClient client, JsonNode body, string? idempotencyKey = null) =>
        client.PostRaw("/api/incidents", body.ToJsonString(), idempotencyKey);

    public static async Task<HttpResponseMessage> PostRaw(this HttpClient client, string path, string json, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(request);
    }

    /// <summary>Reports an incident and insists it was created.</summary>
    public static async Task<Accepted> ReportOk(this HttpClient client, JsonNode? body = null)
    {
        using var response = await client.PostReport(body ?? Report());
        await response.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<Accepted>())!;
    }

    /// <summary>POST /api/incidents/{id}/{action} with an optional body (anonymous object or JSON node).</summary>
    public static Task<HttpResponseMessage> Command(this HttpClient client, Guid id, string action, object? body = null) =>
        body is null
            ? client.PostAsync($"/api/incidents/{id}/{action}", null)
            : client.PostRaw($"/api/incidents/{id}/{action}", JsonSerializer.Serialize(body, JsonSerializerOptions.Web));

    /// <summary>Runs a command and insists it was done; returns the new version.</summary>
    public static async Task<Accepted> CommandOk(this HttpClient client, Guid id, string action, object? body = null)
    {
        using var response = await client.Command(id, action, body);
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<Accepted>())!;
    }

    public static async Task<JsonElement> GetJson(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        await response.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static Task<JsonElement> Detail(this HttpClient client, Guid id) => client.GetJson($"/api/incidents/{id}");

    /// <summary>Asserts the status, showing the body when it is not the expected one.</summary>
    public static async Task ShouldBe(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
            Assert.Fail($"Expected {(int)expected} {expected} but got {(int)response.StatusCode} {response.StatusCode}: " +
                        await response.Content.ReadAsStringAsync());
    }

    /// <summary>Reads a problem-details body after checking its status and media type.</summary>
    public static async Task<JsonElement> Problem(this HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.ShouldBe(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>The fields a 400 validation problem names.</summary>
    public static async Task<IReadOnlyDictionary<string, string[]>> FieldErrors(this HttpResponseMessage response)
    {
        var problem = await response.Problem(HttpStatusCode.BadRequest);
        return problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
    }

    /// <summary>Checks a 422 refusal and returns its detail message.</summary>
    public static async Task<string> Refusal(this HttpResponseMessage response, string code)
    {
        var problem = await response.Problem(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal("Refused by the rules", problem.GetProperty("title").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail));
        return detail!;
    }
}
