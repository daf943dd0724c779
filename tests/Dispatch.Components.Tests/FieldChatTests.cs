using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Units;
using Dispatch.Server.Chat;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>Chat on the unit's phone page: its incident's channel opens when it is sent, messages come pushed, and the crew writes back.</summary>
public sealed class FieldChatTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const double Lat = 31.2304, Lon = 121.4737;

    Actor Dispatcher => new("field-chat-dispatcher", "调度员", App.Everything());

    [Fact]
    public async Task Sent_to_an_incident_the_phone_opens_its_channel_hears_who_names_it_and_writes_back()
    {
        var units = App.Services.GetRequiredService<UnitService>();
        var town = App.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).Town!;
        var login = $"unit-{Guid.NewGuid():N}"[..16];
        var unitId = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await units.Register(Dispatcher,
            new RegisterUnit(unitId, "东湖-城管-31", UnitCalls.Department, town.Path, ["enforcement"], ["王强"], "", login), DispatchApp.Password));
        var crew = (await App.Services.GetRequiredService<Users>().Find(login))!.ToActor();
        Assert.IsType<UnitOutcome.Done>(await units.Handle(crew, unitId, new GoOnDuty("")));
        var incident = await App.AssignedAt(Lat, Lon);

        SignIn(crew);
        var cut = Ctx.Render<Field>();
        cut.WaitForElement("[data-testid=field-chat][data-live=true]");
        // Before any job: the department's channel at the unit's town.
        var department = Channels.Department(town.Path, UnitCalls.Department).Key;
        cut.WaitForElement($"[data-testid=field-chat][data-channel='{department}']");

        Assert.IsType<UnitOutcome.Done>(await units.Handle(Dispatcher, unitId, new DispatchUnit(incident.Id, incident.Number, "")));

        var channel = Channels.Incident(incident.Id).Key;
        cut.WaitForElement($"[data-testid=field-chat][data-channel='{channel}']");
        cut.WaitForElement($"[data-testid=field-chat-tab][data-key='{channel}']");

        using (var scope = App.Services.CreateScope())
            Assert.IsType<ChatOutcome.Posted>(await scope.ServiceProvider.GetRequiredService<ChatService>().Post(Dispatcher, channel, "@东湖-城管-31 注意积水"));
        var mention = cut.WaitForElement("[data-testid=field-chat] [data-testid=chat-mention][data-mine=true]");
        Assert.Equal("@东湖-城管-31", mention.TextContent);

        await cut.InvokeAsync(() => cut.Find("#field-chat-input").Input("到达现场"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=field-chat] form[data-testid=chat-box]").Submit());
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=field-chat] [data-testid=chat-message]"),
            m => m.GetAttribute("data-author") == login && m.TextContent.Contains("到达现场")));

        // The dispatcher reads it in the channel's history.
        using (var scope = App.Services.CreateScope())
        {
            var history = await scope.ServiceProvider.GetRequiredService<ChatService>().History(Dispatcher, channel);
            Assert.Contains(history!.Messages, m => m.Author == login && m.Text == "到达现场");
        }
    }
}
