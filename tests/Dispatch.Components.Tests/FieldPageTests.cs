using System.Text.Json;
using Bunit;
using Dispatch.Contracts;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Units;
using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Field;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Components.Tests;

/// <summary>
/// A unit's phone page on the app's real services: the unit is registered, dispatched and moved through the same command
/// path as everywhere else, and what the page shows arrives by the unit's real mailbox and roster pushes. Nothing sleeps:
/// each step waits for what it expects, with a timeout.
/// </summary>
public sealed class FieldPageTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const string Department = "urban-management";
    const double Lat = 31.2304, Lon = 121.4737;

    UnitService Units => App.Services.GetRequiredService<UnitService>();

    /// <summary>A dispatcher with every incident role city-wide: sends units, talks to them.</summary>
    Actor Dispatcher => new("field-dispatcher", "Field dispatcher", App.Everything());

    /// <summary>A unit of the town with its own sign-in, on duty; returns its id and the actor its phone signs in as.</summary>
    async Task<(Guid Id, Actor Crew)> UnitOnDuty(string callSign)
    {
        var town = App.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).Town!;
        var login = $"unit-{Guid.NewGuid():N}"[..16];
        var id = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await Units.Register(Dispatcher,
            new RegisterUnit(id, callSign, Department, town.Path, ["enforcement"], ["王强"], "", login), DispatchApp.Password));
        var crew = (await App.Services.GetRequiredService<Users>().Find(login))!.ToActor();
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(crew, id, new GoOnDuty("")));
        return (id, crew);
    }

    /// <summary>An incident at the town's usual spot, accepted and assigned to urban management.</summary>
    async Task<(Guid Id, string Number)> AssignedIncident(string description)
    {
        var outcome = await App.Services.GetRequiredService<Dispatch.Server.Incidents.IncidentService>().Report(
            new IntakeForm(Channel.Hotline, "张伟", Calls.NewPhone(), Lat, Lon, "东湖区人民路 128 号", "road-damage", description, 3),
            Dispatcher, Guid.NewGuid().ToString());
        var reported = Assert.IsType<Dispatch.Server.Incidents.CommandOutcome.Done>(outcome);
        await App.Do(reported.Id, new AcceptIncident(Dispatcher.Login));
        await App.Do(reported.Id, new AssignIncident(Department, Dispatcher.Login));
        return (reported.Id, reported.Number);
    }

    /// <summary>The page as the unit's phone shows it, once live (subscribed to its mailbox and the roster feed).</summary>
    IRenderedComponent<Field> OpenAs(Actor crew)
    {
        SignIn(crew);
        var cut = Ctx.Render<Field>();
        cut.WaitForElement("[data-testid=field-page][data-live=true]", Waits.Push);
        return cut;
    }

    // Pushes re-render the page at any moment: find and fire in one turn of the renderer, so the element found is the one
    // whose handler fires (bUnit's advice for live components).
    static async Task Tap(IRenderedComponent<Field> cut, string selector)
    {
        // The status can arrive pushed while the page's own move is still finishing, which disables the buttons (a person
        // cannot tap them either): wait until this one is enabled again.
        cut.WaitForAssertion(() => Assert.False(cut.Find(selector).HasAttribute("disabled")), Waits.Push);
        await cut.InvokeAsync(() => cut.Find(selector).Click());
    }

    /// <summary>Typing: the text fields take each keystroke (input, not change), so the send buttons enable at once (issue 19).</summary>
    static Task Type(IRenderedComponent<Field> cut, string selector, string text) => cut.InvokeAsync(() => cut.Find(selector).Input(text));

    static Task Submit(IRenderedComponent<Field> cut, string selector, int index = 0) => cut.InvokeAsync(() => cut.FindAll(selector)[index].Submit());

    static string Status(IRenderedComponent<Field> cut) => cut.Find("[data-testid=field-status]").GetAttribute("data-status")!;

    static IReadOnlyList<string> Buttons(IRenderedComponent<Field> cut) =>
        cut.FindAll("[data-testid=field-action]").Select(b => b.GetAttribute("data-action")!).ToList();

    async Task<UnitRosterEntry> Roster(Guid id)
    {
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.LoadAsync<UnitRosterEntry>(id))!;
    }

    [Fact]
    public async Task An_assignment_is_pushed_onto_the_open_page_and_one_tap_accepts_it_and_goes_en_route()
    {
        var (unitId, crew) = await UnitOnDuty("现场-01");
        var incident = await AssignedIncident("路面塌陷约一米见方，车辆绕行。");
        var cut = OpenAs(crew);
        Assert.Equal("Available", Status(cut));
        Assert.Equal(new[] { "OffDuty" }, Buttons(cut));

        // The dispatcher sends the unit; the page has not been reloaded since.
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(Dispatcher, unitId, new DispatchUnit(incident.Id, "", "")));

        var card = cut.WaitForElement($"[data-testid=field-assignment][data-number='{incident.Number}']", Waits.Push);
        var city = App.Services.GetRequiredService<CityCatalog>();
        Assert.Equal(city.CategoryName("road-damage", System.Globalization.CultureInfo.CurrentUICulture),
            card.QuerySelector("[data-testid=field-assignment-category]")!.TextContent.Trim());
        Assert.Equal("3", card.QuerySelector("[data-urgency]")!.GetAttribute("data-urgency"));
        Assert.Contains("路面塌陷约一米见方", card.QuerySelector("[data-testid=field-assignment-description]")!.TextContent);
        Assert.Contains("东湖区人民路 128 号", card.QuerySelector("[data-testid=field-assignment-address]")!.TextContent);
        Assert.Contains("31.230400, 121.473700", card.QuerySelector("[data-testid=field-assignment-coordinates]")!.TextContent);
        Assert.Equal("geo:31.230400,121.473700?q=31.230400,121.473700", card.QuerySelector("[data-testid=field-map-link]")!.GetAttribute("href"));
        Assert.DoesNotContain("张伟", cut.Markup);
        cut.WaitForAssertion(() => Assert.Equal("Dispatched", Status(cut)), Waits.Push);
        Assert.Equal(new[] { "AcceptAndGo" }, Buttons(cut));
        // The message itself is on screen, and once it was rendered the page acknowledged it.
        cut.WaitForElement("[data-testid=field-message][data-kind=assignment][data-acked=true]", Waits.Push);
        Assert.Empty(await App.Services.GetRequiredService<UnitMailbox>().Unacknowledged(unitId));

        await Tap(cut, "[data-action=AcceptAndGo]");

        cut.WaitForAssertion(() => Assert.Equal("EnRoute", Status(cut)), Waits.Push);
        Assert.Equal(new[] { "OnScene" }, Buttons(cut));
        var roster = await Roster(unitId);
        Assert.Equal(UnitStatus.EnRoute, roster.Status);
        Assert.Equal(incident.Id, roster.IncidentId);
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var unitEvents = await query.Events.FetchStreamAsync(unitId);
        Assert.Equal(crew.Login, Assert.IsType<UnitEnRoute>(unitEvents[^1].Data).By);
        // Accepting the job acknowledged the incident for the unit's department, in the crew's name.
        var steps = (await App.Detail(incident.Id))!.Timeline.Select(t => (t.Kind, t.By)).ToList();
        Assert.Contains(("Acknowledged", crew.Login), steps);
        Assert.Contains(("UnitEnRoute", crew.Login), steps);
    }

    [Fact]
    public async Task On_scene_the_crew_notes_progress_and_resolves_the_incident_from_the_page()
    {
        var (unitId, crew) = await UnitOnDuty("现场-02");
        var incident = await AssignedIncident("井盖缺失，行人有坠落风险。");
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(Dispatcher, unitId, new DispatchUnit(incident.Id, "", "")));
        var cut = OpenAs(crew);
        cut.WaitForElement($"[data-testid=field-assignment][data-number='{incident.Number}']", Waits.Push);

        await Tap(cut, "[data-action=AcceptAndGo]");
        cut.WaitForAssertion(() => Assert.Equal("EnRoute", Status(cut)), Waits.Push);
        await Tap(cut, "[data-action=OnScene]");
        cut.WaitForAssertion(() => Assert.Equal("OnScene", Status(cut)), Waits.Push);
        Assert.Equal(new[] { "Returning", "Clear" }, Buttons(cut));
        // Not resolved yet: the button that frees the unit says it leaves the job unresolved (issue 19.7).
        Assert.Equal("true", cut.Find("[data-action=Clear]").GetAttribute("data-unresolved"));

        await Type(cut, "#field-note", "现场已设置围挡");
        await Submit(cut, "[data-testid=field-notes] form");
        cut.WaitForAssertion(() => Assert.Equal("true", cut.Find("[data-testid=field-notes-reply]").GetAttribute("data-ok")), Waits.Push);
        await Type(cut, "#field-resolution", "已补装井盖");
        await Submit(cut, "[data-testid=field-notes] form", 1);
        cut.WaitForAssertion(() => Assert.Contains("Resolved", cut.Find("[data-testid=field-notes-reply]").TextContent), Waits.Push);

        var detail = (await App.Detail(incident.Id))!;
        Assert.Equal(IncidentState.Resolved, detail.State);
        Assert.Equal("已补装井盖", detail.Resolution);
        var steps = detail.Timeline.Select(t => (t.Kind, t.By, t.Text)).ToList();
        Assert.Contains(("ProgressNoted", crew.Login, "现场已设置围挡"), steps);
        Assert.Contains(steps, s => s.Kind == "Resolved" && s.By == crew.Login);

        // Done here: free for the next job; resolved, the button no longer warns.
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-action=Clear]").HasAttribute("data-unresolved")), Waits.Push);
        await Tap(cut, "[data-action=Clear]");
        cut.WaitForAssertion(() => Assert.Equal("Available", Status(cut)), Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=field-assignment]"));
        Assert.Null((await Roster(unitId)).IncidentId);
    }

    [Fact]
    public async Task What_the_centre_does_to_the_job_is_pushed_in_and_a_release_takes_the_job_off_the_page()
    {
        var (unitId, crew) = await UnitOnDuty("现场-05");
        var incident = await AssignedIncident("暴雨后积水过膝。");
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(Dispatcher, unitId, new DispatchUnit(incident.Id, "", "")));
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(crew, unitId, new AcceptAndGo("")));
        var cut = OpenAs(crew);
        cut.WaitForElement($"[data-testid=field-assignment][data-number='{incident.Number}']", Waits.Push);

        // The district takes command: the crew reads it, and the job card shows the incident as it stands now.
        await App.Do(incident.Id, new EscalateIncident("涉及多个部门", Dispatcher.Login));
        var changed = cut.WaitForElement("[data-testid=field-message][data-kind=incident]", Waits.Push);
        Assert.Contains($"Incident {incident.Number} changed", changed.TextContent);
        Assert.Contains("Escalated", changed.TextContent);
        cut.WaitForAssertion(() => Assert.Equal("Acknowledged",
            cut.Find("[data-testid=field-assignment] .state-chip").GetAttribute("data-state")), Waits.Push);

        // The dispatcher releases the unit: the job leaves the phone, the crew is free, and told by whom.
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(Dispatcher, unitId, new ReleaseUnit("")));
        var released = cut.WaitForElement("[data-testid=field-message][data-kind=released]", Waits.Push);
        Assert.Contains($"Released from {incident.Number}", released.TextContent);
        // By name, not by login (issue 19 item 8).
        Assert.Contains($"by {Dispatcher.Name}", released.TextContent);
        Assert.DoesNotContain(Dispatcher.Login, released.TextContent);
        cut.WaitForAssertion(() => Assert.Equal("Available", Status(cut)), Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=field-assignment]"));
        // Newest first.
        Assert.Equal(new[] { "released", "incident", "assignment" },
            cut.FindAll("[data-testid=field-message]").Select(m => m.GetAttribute("data-kind")!).ToArray());
    }

    [Fact]
    public async Task What_the_rules_refuse_is_explained_in_the_units_language()
    {
        var (unitId, crew) = await UnitOnDuty("现场-03");
        var incident = await AssignedIncident("路灯不亮。");
        Ctx.Dispose();
        Ctx = ConsoleContext.For(App, culture: "zh-CN");
        var commands = new FieldCommands(Units, App.Services.GetRequiredService<Dispatch.Server.Incidents.IncidentService>(),
            Ctx.Services.GetRequiredService<Dispatch.Server.Localization.Messages>(),
            Ctx.Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<Dispatch.Server.Localization.Ui>>());

        // A tap that comes too late (the unit is not dispatched any more, or not yet): the rule's refusal, in Chinese.
        var late = await commands.Move(crew, unitId, FieldAction.AcceptAndGo);
        Assert.False(late.Ok);
        Assert.Equal("现场-03 未被派遣，不能接单出发。", late.Problem);

        // On scene at an incident that a handler resolved meanwhile: the page still offers a note, the rules refuse it.
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(Dispatcher, unitId, new DispatchUnit(incident.Id, "", "")));
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(crew, unitId, new AcceptAndGo("")));
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(crew, unitId, new ReportOnScene("")));
        await App.Do(incident.Id, new ResolveIncident(Department, "已更换灯泡", Dispatcher.Login));
        var cut = OpenAs(crew);
        Assert.Equal("OnScene", Status(cut));

        await Type(cut, "#field-note", "正在清理现场");
        await Submit(cut, "[data-testid=field-notes] form");

        var reply = cut.WaitForElement("[data-testid=field-notes-reply][data-ok=false]", Waits.Push);
        Assert.Contains($"工单 {incident.Number} 须在部门签收后办理期间才能记录进展", reply.TextContent);
        Assert.Contains("已办结", reply.TextContent);
    }

    [Fact]
    public async Task A_message_from_a_newer_server_or_stored_before_the_contract_is_shown_and_acknowledged()
    {
        var (unitId, crew) = await UnitOnDuty("现场-契约");
        var cut = OpenAs(crew);

        await Store(unitId, "weather", """{"v":2,"warning":"台风预警"}""");
        // As the mailbox stored it before the contract: web defaults, the status as a number, no version.
        await Store(unitId, UnitMessageKind.Overdue, JsonSerializer.Serialize(new
        {
            IncidentId = Guid.NewGuid(), IncidentNumber = "20261123-0099", Status = UnitStatus.OnScene, Since = DateTimeOffset.UtcNow,
            LimitMinutes = 60,
        }, JsonSerializerOptions.Web));

        var unknown = cut.WaitForElement("[data-testid=field-message][data-kind=weather][data-acked=true]", Waits.Push);
        Assert.Contains("台风预警", unknown.TextContent);
        var overdue = cut.WaitForElement("[data-testid=field-message][data-kind=overdue][data-acked=true]", Waits.Push);
        Assert.Contains("20261123-0099", overdue.TextContent);
        Assert.Contains("60", overdue.TextContent);
        Assert.DoesNotContain("limitMinutes", overdue.TextContent); // read as its record, not shown raw
    }

    /// <summary>A row as another build of the server stored it, and the notice its commit sends.</summary>
    async Task Store(Guid unit, string kind, string body)
    {
        var db = App.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var insert = db.CreateCommand(
            $"with next as (insert into {UnitMailbox.CountersTable} (unit_id, last_seq) values ($1, 1) " +
            $"on conflict (unit_id) do update set last_seq = {UnitMailbox.CountersTable}.last_seq + 1 returning last_seq) " +
            $"insert into {UnitMailbox.MessagesTable} (unit_id, seq, kind, body, at) select $1, last_seq, $2, $3::jsonb, now() from next"))
        {
            insert.Parameters.AddWithValue(unit);
            insert.Parameters.AddWithValue(kind);
            insert.Parameters.AddWithValue(body);
            await insert.ExecuteNonQueryAsync();
        }
        await using var notify = db.CreateCommand("select pg_notify($1, $2)");
        notify.Parameters.AddWithValue(UnitMailbox.Channel);
        notify.Parameters.AddWithValue(unit.ToString());
        await notify.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Off_duty_the_page_says_so_and_what_the_centre_sent_meanwhile_arrives_when_the_crew_goes_on_duty()
    {
        var (unitId, crew) = await UnitOnDuty("现场-04");
        var cut = OpenAs(crew);

        await Tap(cut, "[data-action=OffDuty]");
        cut.WaitForAssertion(() => Assert.Equal("OffDuty", Status(cut)), Waits.Push);
        Assert.NotNull(cut.Find("[data-testid=field-off-duty-hint]"));
        Assert.Equal(new[] { "OnDuty" }, Buttons(cut));
        Assert.Empty(cut.FindAll("[data-testid=field-position]"));

        Assert.IsType<UnitOutcome.Done>(await Units.Message(Dispatcher, unitId, "明早八点集合"));
        await Tap(cut, "[data-action=OnDuty]");

        var message = cut.WaitForElement("[data-testid=field-message][data-kind=message][data-acked=true]", Waits.Push);
        Assert.Contains("明早八点集合", message.TextContent);
        // The roster line and the mailbox are two pushes of one commit: the status may land just after the message.
        cut.WaitForAssertion(() => Assert.Equal("Available", Status(cut)), Waits.Push);
    }

    [Fact]
    public void Someone_who_is_not_a_unit_is_told_the_page_is_for_units()
    {
        // The console's default seat: a dispatcher (and every other incident role) city-wide, but no unit's sign-in.
        var cut = Ctx.Render<Field>();

        var notAllowed = cut.WaitForElement("[data-testid=not-allowed]", Waits.Push);
        Assert.Contains("This page is for units", notAllowed.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=field-page]"));
        Assert.Empty(cut.FindAll("[data-testid=field-action]"));
    }
}

/// <summary>Which buttons each status shows, and that the rules accept every one of them.</summary>
public sealed class FieldActionsTests
{
    public static TheoryData<UnitStatus, FieldAction[]> Expected => new()
    {
        { UnitStatus.OffDuty, [FieldAction.OnDuty] },
        { UnitStatus.Available, [FieldAction.OffDuty] },
        { UnitStatus.Dispatched, [FieldAction.AcceptAndGo] },
        { UnitStatus.EnRoute, [FieldAction.OnScene] },
        { UnitStatus.OnScene, [FieldAction.Returning, FieldAction.Clear] },
        { UnitStatus.Returning, [FieldAction.Clear, FieldAction.OffDuty] },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public void Each_status_shows_its_moves_and_each_shown_move_is_one_the_rules_accept(UnitStatus status, FieldAction[] expected)
    {
        var shown = FieldActions.For(status);

        Assert.Equal(expected, shown);
        var committed = status is UnitStatus.Dispatched or UnitStatus.EnRoute or UnitStatus.OnScene or UnitStatus.Returning;
        var unit = new Unit(Guid.NewGuid(), "现场-01", "urban-management", "city/dh/dh-04", [], [], status,
            committed ? Guid.NewGuid() : null, committed ? "20261123-0001" : null);
        foreach (var action in shown)
        {
            var decision = UnitDecider.Decide(unit, FieldActions.Command(action), DateTimeOffset.UtcNow);
            Assert.True(decision.Refusal is null, $"{action} in {status}: {decision.Refusal}");
        }
    }

    [Fact]
    public void Every_status_has_a_move()
    {
        Assert.All(Enum.GetValues<UnitStatus>(), s => Assert.NotEmpty(FieldActions.For(s)));
    }

    [Theory]
    [InlineData(UnitStatus.OnScene, "urban-management", "urban-management", true)]
    [InlineData(UnitStatus.OnScene, "urban-management", "water", false)]
    [InlineData(UnitStatus.EnRoute, "urban-management", "urban-management", false)]
    [InlineData(UnitStatus.Returning, "urban-management", null, true)]
    public void Resolving_is_offered_on_scene_or_after_and_only_to_the_leading_department(UnitStatus status, string unit, string? lead, bool offered)
    {
        Assert.Equal(offered, FieldActions.MayResolve(status, unit, lead));
    }
}
