using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Lifecycle;

/// <summary>Refusals speak the reader's language (Accept-Language); the code stays the same.</summary>
public sealed class RefusalLanguageTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task With_Chinese_a_refusal_is_explained_in_Chinese()
    {
        var incident = await app.Client().Accepted();

        using var response = await app.Client(language: "zh-CN").Command(incident.Id, "acknowledge", new { department = Steps.Department });

        var detail = await response.Refusal("acknowledge.unassigned");
        Assert.Contains("工单", detail);
        Assert.Equal($"无法签收工单 {incident.Number}：尚未派给任何部门。", detail);
    }

    [Fact]
    public async Task With_English_a_refusal_is_explained_in_English()
    {
        var incident = await app.Client().Accepted();

        using var response = await app.Client(language: "en").Command(incident.Id, "acknowledge", new { department = Steps.Department });

        var detail = await response.Refusal("acknowledge.unassigned");
        Assert.Equal($"Cannot acknowledge incident {incident.Number}: it is not assigned to a department.", detail);
        Assert.DoesNotContain("工单", detail);
    }

    [Fact]
    public async Task A_Chinese_refusal_names_states_and_departments_in_Chinese()
    {
        var incident = await app.Client().Assigned("water");

        using var sameDepartment = await app.Client(language: "zh-CN").Command(incident.Id, "assign", new { department = "water" });
        using var notResolved = await app.Client(language: "zh-CN").Command(incident.Id, "close");

        Assert.Equal($"工单 {incident.Number} 已派给 水务局。", await sameDepartment.Refusal("assign.same-department"));
        var detail = await notResolved.Refusal("close.not-resolved");
        Assert.StartsWith($"无法关闭工单 {incident.Number}：尚未办结；当前为「", detail);
        Assert.DoesNotContain("Assigned", detail);
    }

    [Fact]
    public async Task An_English_refusal_names_departments_by_their_English_name()
    {
        var incident = await app.Client().Assigned("water");

        using var response = await app.Client(language: "en").Command(incident.Id, "assign", new { department = "water" });

        Assert.Equal($"Incident {incident.Number} is already assigned to Water Authority.",
            await response.Refusal("assign.same-department"));
    }

    [Fact]
    public async Task Without_a_language_preference_refusals_are_in_Chinese()
    {
        var incident = await app.Client().Accepted();
        using var client = app.Client(language: null);

        using var response = await client.Command(incident.Id, "acknowledge", new { department = Steps.Department });

        Assert.Contains("工单", await response.Refusal("acknowledge.unassigned"));
    }
}
