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
}
