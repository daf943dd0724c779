using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>Brings a fresh incident to a given point of the loop through the API (the "given" of a test).</summary>
public static class Steps
{
    public const string Department = "urban-management";

    public static Task<Accepted> Reported(this HttpClient client, JsonNode? report = null) => client.ReportOk(report);

    public static async Task<Accepted> Accepted(this HttpClient client, JsonNode? report = null)
    {
        var incident = await client.Reported(report);
        return await client.CommandOk(incident.Id, "accept");
    }

    public static async Task<Accepted> Assigned(this HttpClient client, string department = Department, JsonNode? report = null)
    {
        var incident = await client.Accepted(report);
        return await client.CommandOk(incident.Id, "assign", new { department });
    }

    public static async Task<Accepted> Acknowledged(this HttpClient client, string department = Department, JsonNode? report = null)
    {
        var incident = await client.Assigned(department, report);
        return await client.CommandOk(incident.Id, "acknowledge", new { department });
    }

    public static async Task<Accepted> Resolved(this HttpClient client, string department = Department, JsonNode? report = null)
    {
        var incident = await client.Acknowledged(department, report);
        return await client.CommandOk(incident.Id, "resolve", new { department, resolution = "已修复路面" });
    }

    public static async Task<Accepted> Closed(this HttpClient client, string department = Department, JsonNode? report = null)
    {
        var incident = await client.Resolved(department, report);
        await client.CommandOk(incident.Id, "callback", new { satisfaction = 5 });
        return await client.CommandOk(incident.Id, "close");
    }

    /// <summary>A new unit of <see cref="Department"/> in <paramref name="town"/> (a code), its call sign starting with <paramref name="callSignPrefix"/>.</summary>
    public static async Task<Guid> RegisteredUnit(this HttpClient client, string town, string callSignPrefix)
    {
        using var response = await client.PostAsJsonAsync("/api/units", new
        {
            callSign = Api.Unique(callSignPrefix), department = Department, jurisdiction = town,
            capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A unit's move through the API (<c>on-duty</c>, <c>dispatch</c>, <c>release</c>…), insisting it was taken.</summary>
    public static async Task UnitOk(this HttpClient client, Guid unit, string action, object? body = null)
    {
        using var response = await client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }
}
