using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests.Infrastructure;

/// <summary>Things other people do meanwhile, through the same command path the console uses.</summary>
public static class Calls
{
    static int _phone;

    /// <summary>A fresh mobile number per call, so repeat-caller lookups see only what the test made.</summary>
    public static string NewPhone() => $"139{Interlocked.Increment(ref _phone) + Random.Shared.Next(0, 9_000_000):D8}";

    public static IntakeForm Form(string? phone = null, string category = "road-damage", int urgency = 3,
        string address = "东湖区人民路 128 号", string description = "路面塌陷约一米见方，车辆绕行。") =>
        new(Channel.Hotline, "张伟", phone ?? NewPhone(), null, null, address, category, description, urgency);

    /// <summary>Files an incident as another call-taker would: a real commit, a real NOTIFY.</summary>
    public static async Task<CommandOutcome.Done> Report(this DispatchApp app, IntakeForm? form = null)
    {
        var outcome = await app.Services.GetRequiredService<IncidentService>()
            .Report(form ?? Form(), new Dispatch.Domain.Access.Actor("another-call-taker", "Another call-taker", app.Everything()), Guid.NewGuid().ToString());
        return Assert.IsType<CommandOutcome.Done>(outcome);
    }

    public static async Task<CommandOutcome.Done> Do(this DispatchApp app, Guid id, IncidentCommand command)
    {
        var outcome = await app.Services.GetRequiredService<IncidentService>()
            .Handle(new Dispatch.Domain.Access.Actor(command.By, command.By, app.Everything()), id, command, expectedVersion: null);
        return Assert.IsType<CommandOutcome.Done>(outcome);
    }

    /// <summary>A step taken by someone with other roles than the loop's (a leader's supervision).</summary>
    public static async Task<CommandOutcome.Done> Do(this DispatchApp app, Guid id, IncidentCommand command, params Dispatch.Domain.Access.Grant[] grants)
    {
        var outcome = await app.Services.GetRequiredService<IncidentService>()
            .Handle(new Dispatch.Domain.Access.Actor(command.By, command.By, grants), id, command, expectedVersion: null);
        return Assert.IsType<CommandOutcome.Done>(outcome);
    }

    public static async Task<int> OpenIncidents(this DispatchApp app)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Query<IncidentCard>().CountAsync(c => c.IsOpen);
    }

    public static async Task<IncidentDetail?> Detail(this DispatchApp app, Guid id)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.LoadAsync<IncidentDetail>(id);
    }
}
