using System.Text.Json;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Contracts;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Server.Components.Field;
using Dispatch.Server.Components.Shared;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Dispatch.Server.Tests.Infrastructure;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace Dispatch.Components.Tests;

/// <summary>
/// No raw words on a Chinese screen (issue 19 item 8): the city by its Chinese name, a routing step by its level's name
/// (the rule's code only in the tooltip), a place by its names rather than its path, and people by their names (the
/// login in the tooltip), on the timeline and on the phone.
/// </summary>
public sealed class RawWordsTests(DispatchApp app) : IClassFixture<DispatchApp>, IAsyncLifetime
{
    const double Lat = 31.2304, Lon = 121.4737;
    readonly List<BunitContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var ctx in _contexts) await ctx.DisposeAsync();
    }

    BunitContext Console(string culture)
    {
        var ctx = ConsoleContext.For(app, culture);
        _contexts.Add(ctx);
        return ctx;
    }

    JurisdictionTree Tree => app.Services.GetRequiredService<JurisdictionTree>();

    [Theory]
    [InlineData("zh-CN", "示范市")]
    [InlineData("en", "Demo City")]
    public void Given_a_city_level_incident_when_its_command_centre_is_shown_then_the_city_is_named_in_the_readers_language(string culture, string name)
    {
        var ctx = Console(culture);

        var cut = ctx.Render<CommandBadge>(p => p.Add(b => b.Level, CommandLevel.City).Add(b => b.Centre, Tree.City.Path));

        Assert.Equal(name, cut.Find("[data-testid=centre-name]").TextContent);
    }

    [Fact]
    public async Task Given_a_call_filed_by_a_named_call_taker_when_its_timeline_shows_in_chinese_then_levels_places_and_people_are_named()
    {
        var login = $"ct-{Guid.NewGuid():N}"[..14];
        var grants = app.Everything();
        await app.Services.GetRequiredService<Users>().Ensure(login, "王芳", DispatchApp.Password, grants);
        var filed = Assert.IsType<CommandOutcome.Done>(await app.Services.GetRequiredService<IncidentService>()
            .Report(Calls.Form() with { Lat = Lat, Lon = Lon }, new Actor(login, "王芳", grants), Guid.NewGuid().ToString()));
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var detail = (await query.LoadAsync<IncidentDetail>(filed.Id))!;
        var town = Tree.Place(Lat, Lon).Town!;
        var ctx = Console("zh-CN");

        var cut = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, detail.Timeline).Add(v => v.IncidentId, detail.Id));

        var routed = cut.WaitForElement("li.timeline-entry[data-kind=Routed] [data-testid=timeline-text]");
        Assert.Equal("镇街", routed.TextContent);
        Assert.Contains(detail.Timeline.Single(e => e.Kind == "Routed").Rule!, routed.GetAttribute("title"));
        var placed = cut.Find("li.timeline-entry[data-kind=Placed] [data-testid=timeline-text]");
        Assert.Contains(town.Name, placed.TextContent);
        Assert.DoesNotContain("/", placed.TextContent);
        Assert.Equal(detail.Timeline.Single(e => e.Kind == "Placed").Place!.Path, placed.GetAttribute("title"));
        foreach (var text in cut.FindAll("[data-testid=timeline-text]").Select(t => t.TextContent))
            Assert.DoesNotMatch("Town|District|City|everyday|demo/", text);
        cut.WaitForAssertion(() =>
        {
            var by = cut.Find("li.timeline-entry[data-kind=Reported] [data-testid=timeline-by]");
            Assert.Equal(("王芳", login), (by.TextContent, by.GetAttribute("title")));
        });
    }

    [Fact]
    public void Given_escalation_deadline_cancellation_assisting_and_unit_steps_when_shown_in_chinese_then_no_english_word_is_left()
    {
        var at = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        TimelineEntry[] entries =
        [
            new(3, "Escalated", at, "watch", null, "Town → District · 跨街道") { FromLevel = CommandLevel.Town, Level = CommandLevel.District, Reason = "跨街道" },
            new(4, "DeadlineMissed", at, "watch", null, "Acknowledge · 2026-12-06T02:00:00Z") { Deadline = Dispatch.Domain.Incidents.DeadlineKind.Acknowledge, Due = at },
            new(5, "Cancelled", at, "watch", null, "Duplicate: 同一处") { Cancel = Dispatch.Domain.Incidents.CancelReason.Duplicate, Reason = "同一处" },
            new(6, "Assigned", at, "watch", "urban-management", "+ water, fire") { Assisting = ["water", "fire"] },
            new(7, "UnitArrivedNearScene", at, "watch", null, "东湖-城管-01 · 35 m") { CallSign = "东湖-城管-01", Meters = 35 },
            new(8, "UnitOverdue", at, "watch", null, "东湖-城管-01 · Dispatched · limit 00:05:00")
                { CallSign = "东湖-城管-01", UnitStatus = Dispatch.Domain.Units.UnitStatus.Dispatched, Limit = TimeSpan.FromMinutes(5) },
        ];
        var ctx = Console("zh-CN");

        var cut = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, entries));

        var texts = cut.FindAll("[data-testid=timeline-text]").Select(t => t.TextContent).ToList();
        Assert.Equal("镇街 → 区县 · 跨街道", texts[0]);
        Assert.Equal("签收时限 12-06 10:00", texts[1]);
        Assert.StartsWith(ctx.Services.GetRequiredService<IStringLocalizer<Ui>>()["cancel.Duplicate"], texts[2]);
        Assert.Equal("协办：水务局、消防救援支队", texts[3]);
        Assert.Equal("东湖-城管-01 · 35 米", texts[4]);
        Assert.EndsWith("· 时限 5 分钟", texts[5]);
        Assert.All(texts, t => Assert.DoesNotMatch("[A-Za-z]{3,}", t));
    }

    /// <summary>
    /// An incident in an operation, opened by a sensor alarm, run under a plan, supervised and overdue on every clock: its
    /// steps as the projection records them (so the facts the words need are the ones it keeps). The escalations carry the
    /// reasons the clock and the plans write (IncidentDecider, SupervisionRules, PlanDecider), in their fixed English.
    /// </summary>
    IReadOnlyList<TimelineEntry> SensorPlanAndClockSteps(DateTimeOffset at)
    {
        var id = Guid.NewGuid();
        var desk = Tree.Place(Lat, Lon).Town!.Path;
        var (town, district, city) = (CommandLevel.Town, CommandLevel.District, CommandLevel.City);
        object[] events =
        [
            new Dispatch.Domain.Incidents.IncidentReported(id, "20261206-0042", Dispatch.Domain.Incidents.Channel.Sensor,
                new Dispatch.Domain.Incidents.Caller(null, null), null, null, "drainage-flooding",
                "Sensor 东湖泵站 1 号水位计 (water-level): level 3.42 above its alarm level 3.", Dispatch.Domain.Incidents.Urgency.High,
                "sensors", at),
            new Dispatch.Domain.Operations.IncidentInOperation(id, Guid.NewGuid(), "汛期保障", desk,
                new Deadlines(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(60)), "sensors", at),
            new Dispatch.Domain.Sensors.IncidentSensorAlarmed(id, Guid.NewGuid(), "东湖泵站 1 号水位计", "level", 3.42, 3, at.AddSeconds(-5), "sensors", at),
            new Dispatch.Domain.Sensors.IncidentSensorRecovered(id, Guid.NewGuid(), "东湖泵站 1 号水位计", "level", 2.4, at.AddMinutes(30), "sensors", at.AddMinutes(30)),
            new Dispatch.Domain.Incidents.IncidentEscalated(id, town, district, "plan urban-flooding v1: 积水超过 40 厘米", false, null, null, "dispatcher", at),
            new Dispatch.Domain.Plans.PlanActivated(id, "urban-flooding", 1, "城市内涝应急预案", Dispatch.Domain.Plans.ResponseLevel.III, district, "water",
                ["transport"],
                [new("pumps", "调派移动泵车排水", "water", null, at.AddMinutes(30)), new("traffic", "积水路段交通管制和绕行引导", "transport", null, at.AddMinutes(30))],
                "积水超过 40 厘米", "dispatcher", at),
            new Dispatch.Domain.Plans.PlanTaskAcknowledged(id, "pumps", "water", "handler", at),
            new Dispatch.Domain.Plans.PlanTaskCompleted(id, "pumps", "water", "两台泵车已到位", "handler", at),
            new Dispatch.Domain.Plans.PlanTaskOverdue(id, "traffic", at.AddMinutes(30), "watch", at.AddMinutes(31)),
            new Dispatch.Domain.Incidents.IncidentEscalated(id, district, city, "plan urban-flooding task traffic overdue since 2026-12-06 02:30 UTC",
                true, null, null, "watch", at.AddMinutes(31)),
            new Dispatch.Domain.Plans.PlanStoodDown(id, "urban-flooding", 1, "积水已退", ["traffic"], "dispatcher", at.AddMinutes(40)),
            new Dispatch.Domain.Incidents.IncidentSupervised(id, "请加快处置", "leader", at, at.AddHours(1), 1, city),
            new Dispatch.Domain.Supervision.SupervisionOverdue(id, 1, at.AddHours(1), "water", city, "watch", at.AddHours(1)),
            new Dispatch.Domain.Incidents.IncidentEscalated(id, town, city, "supervision #1 not answered by 2026-12-06 03:00 UTC", true, null, null, "watch", at),
            new Dispatch.Domain.Incidents.IncidentEscalated(id, town, district, "acknowledgement overdue since 2026-12-06 02:30 UTC", true, null, null, "watch", at),
            new Dispatch.Domain.Supervision.AcceptanceOverdue(id, at.AddMinutes(5), "watch", at),
            new Dispatch.Domain.Supervision.CallbackOverdue(id, at.AddHours(2), "watch", at),
        ];
        var projection = new IncidentDetailProjection();
        IncidentDetail? detail = null;
        for (var i = 0; i < events.Length; i++) detail = projection.Evolve(detail, id, new Event<object>(events[i]) { Version = i + 1 });
        return detail!.Timeline;
    }

    [Fact]
    public void Given_sensor_operation_plan_and_clock_steps_when_shown_in_chinese_then_they_read_in_chinese_from_their_facts()
    {
        // 02:00 UTC is 10:00 in the demo city.
        var at = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        var entries = SensorPlanAndClockSteps(at);
        var desk = Tree.Place(Lat, Lon).Town!;
        var ctx = Console("zh-CN");

        var cut = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, entries));

        var texts = cut.FindAll("[data-testid=timeline-text]").Select(t => t.TextContent).ToList();
        string[] expected =
        [
            "传感器 东湖泵站 1 号水位计：水位 3.42，高于告警值 3",
            $"汛期保障 · {desk.Name} · 签收时限 10 分钟，办结时限 60 分钟",
            "东湖泵站 1 号水位计 · 水位 3.42（告警值 3）· 12-06 09:59:55 读数",
            "东湖泵站 1 号水位计 · 水位 2.4 · 12-06 10:30:00 读数",
            "镇街 → 区县 · 启动预案（第 1 版）：积水超过 40 厘米",
            "城市内涝应急预案 · 第 1 版 · Ⅲ级响应 · 积水超过 40 厘米",
            "调派移动泵车排水",
            "调派移动泵车排水 · 两台泵车已到位",
            "积水路段交通管制和绕行引导 · 时限 12-06 10:30",
            "区县 → 市级 · 1 项预案任务超时（时限 12-06 10:30）",
            "城市内涝应急预案 · 第 1 版 · 积水已退 · 未完成：积水路段交通管制和绕行引导",
            "第 1 次督办 · 请加快处置 · 请于 12-06 11:00 前答复",
            "第 1 次督办 · 答复时限 12-06 11:00 · 市级",
            "镇街 → 市级 · 第 1 次督办未在 12-06 11:00 前答复",
            "镇街 → 区县 · 签收超时（时限 12-06 10:30）",
            "时限 12-06 10:05",
            "时限 12-06 12:00",
        ];
        Assert.Equal(expected, texts);
        // The codes the clock, the plans and the sensors wrote stay in the tooltip, the desk's path too.
        Assert.Equal("level", cut.Find("li.timeline-entry[data-kind=SensorAlarm] [data-testid=timeline-text]").GetAttribute("title"));
        Assert.Contains("urban-flooding", cut.Find("li.timeline-entry[data-kind=Escalated] [data-testid=timeline-text]").GetAttribute("title"));
        Assert.Equal(desk.Path, cut.Find("li.timeline-entry[data-kind=InOperation] [data-testid=timeline-text]").GetAttribute("title"));
        Assert.All(texts, t => Assert.DoesNotMatch("[A-Za-z]{2,}", t));
        Assert.All(cut.FindAll(".timeline-kind").Select(k => k.TextContent), k => Assert.DoesNotMatch("[A-Za-z]", k));
    }

    [Fact]
    public void Given_sensor_operation_plan_and_clock_steps_when_shown_in_english_then_they_read_in_english_from_the_same_facts()
    {
        var at = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        var entries = SensorPlanAndClockSteps(at);
        var ctx = Console("en");

        var cut = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, entries));

        var texts = cut.FindAll("[data-testid=timeline-text]").Select(t => t.TextContent).ToList();
        Assert.EndsWith("· acknowledge within 10 min, resolve within 60 min", texts[1]);
        Assert.Equal("Sensor 东湖泵站 1 号水位计: level 3.42 above its alarm level 3", texts[0]);
        Assert.Equal("东湖泵站 1 号水位计 · level 3.42 (alarm level 3) · read 12-06 09:59:55", texts[2]);
        Assert.Equal("Town → District · plan activated (version 1): 积水超过 40 厘米", texts[4]);
        Assert.Equal("城市内涝应急预案 · version 1 · Level Ⅲ · 积水超过 40 厘米", texts[5]);
        Assert.Equal("城市内涝应急预案 · version 1 · 积水已退 · left open: 积水路段交通管制和绕行引导", texts[10]);
        Assert.Equal("#1 · 请加快处置 · reply by 12-06 11:00", texts[11]);
        Assert.Equal("Town → District · acknowledge deadline passed at 12-06 10:30", texts[14]);
        Assert.Equal("In operation", cut.Find("li.timeline-entry[data-kind=InOperation] .timeline-kind").TextContent);
    }

    [Fact]
    public void Given_a_grid_report_and_a_photo_as_the_projection_records_them_when_shown_in_chinese_then_times_and_sizes_read_in_chinese()
    {
        var at = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        var id = Guid.NewGuid();
        object[] events =
        [
            new Dispatch.Domain.Incidents.IncidentReported(id, "20261206-0043", Dispatch.Domain.Incidents.Channel.Grid,
                new Dispatch.Domain.Incidents.Caller(null, null), null, null, "road-damage", "井盖缺失", Dispatch.Domain.Incidents.Urgency.Normal,
                "dh.grid", at, Finder: new(Guid.NewGuid(), Guid.NewGuid(), "东湖-网格-01", "urban-management", "dh.grid", at.AddMinutes(-3))),
            new Dispatch.Domain.Incidents.IncidentPhotoAttached(id, Guid.NewGuid(), "urban-management", "image/png", 900, null, "dh.grid", at),
        ];
        var projection = new IncidentDetailProjection();
        IncidentDetail? detail = null;
        for (var i = 0; i < events.Length; i++) detail = projection.Evolve(detail, id, new Event<object>(events[i]) { Version = i + 1 });
        var ctx = Console("zh-CN");

        var cut = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, detail!.Timeline));

        var texts = cut.FindAll("[data-testid=timeline-text]").Select(t => t.TextContent).ToList();
        Assert.Equal(new[] { "井盖缺失 · 东湖-网格-01 · 12-06 09:57:00 发现", "900 字节" }, texts);
    }

    [Fact]
    public async Task Given_a_plan_run_and_stood_down_when_its_timeline_and_review_show_in_chinese_then_the_plan_and_its_tasks_are_named_not_coded()
    {
        var plan = app.Services.GetRequiredService<Dispatch.Server.Plans.PlanLibrary>().Find("gas-explosion")!;
        var filed = await app.Report(Calls.Form() with { Lat = Lat, Lon = Lon });
        await app.Do(filed.Id, new Dispatch.Domain.Plans.ActivatePlan(plan, "现场确认爆炸", "plan-dispatcher"));
        await app.Do(filed.Id, new Dispatch.Domain.Plans.AcknowledgePlanTask("cut-gas", "gas-utility", "gas-handler"));
        await app.Do(filed.Id, new Dispatch.Domain.Plans.StandDownPlan("险情已排除", "plan-dispatcher"));
        var detail = (await app.Detail(filed.Id))!;
        var ctx = Console("zh-CN");

        var timeline = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, detail.Timeline));
        var review = ctx.Render<Dispatch.Server.Components.Pages.IncidentReviewPage>(p => p.Add(x => x.Key, detail.Number));

        Assert.Equal($"{plan.Name} · 第 {plan.Version} 版 · 险情已排除 · 未完成：{string.Join("、", plan.Tasks.Select(t => t.What))}",
            timeline.Find("li.timeline-entry[data-kind=PlanStoodDown] [data-testid=timeline-text]").TextContent);
        Assert.Equal(plan.Tasks.Single(t => t.Code == "cut-gas").What,
            timeline.Find("li.timeline-entry[data-kind=PlanTaskAcknowledged] [data-testid=timeline-text]").TextContent);
        Assert.EndsWith($"· 启动预案（第 {plan.Version} 版）：现场确认爆炸",
            timeline.Find("li.timeline-entry[data-kind=Escalated] [data-testid=timeline-text]").TextContent);
        Assert.All(timeline.FindAll("[data-testid=timeline-text]").Select(t => t.TextContent), t => Assert.DoesNotMatch("[A-Za-z]{2,}", t));
        // The review words its steps as the drawer does.
        review.WaitForElement("[data-testid=review-page][data-ready=true] [data-testid=review]", Waits.Push);
        var reviewed = review.FindAll("[data-testid=review-text]").Select(t => t.TextContent).ToList();
        Assert.Contains(timeline.Find("li.timeline-entry[data-kind=PlanStoodDown] [data-testid=timeline-text]").TextContent, reviewed);
        Assert.All(reviewed, t => Assert.DoesNotMatch("[A-Za-z]{2,}", t));
    }

    [Fact]
    public void Given_steps_written_before_their_facts_were_kept_when_shown_in_chinese_then_they_read_without_codes_too()
    {
        var at = new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);
        var town = Tree.Place(Lat, Lon).Town!;
        TimelineEntry[] entries =
        [
            new(2, "Placed", at, "intake", null, town.Path),
            new(3, "Routed", at, "intake", "urban-management", "Town · everyday"),
        ];
        var ctx = Console("zh-CN");

        var cut = ctx.Render<TimelineView>(p => p.Add(v => v.Entries, entries));

        var texts = cut.FindAll("[data-testid=timeline-text]");
        Assert.Contains(town.Name, texts[0].TextContent);
        Assert.DoesNotContain("/", texts[0].TextContent);
        Assert.Equal("镇街", texts[1].TextContent);
        Assert.Contains("everyday", texts[1].GetAttribute("title"));
    }

    [Fact]
    public void Given_a_release_by_a_named_dispatcher_when_the_phone_words_it_then_it_names_the_person_not_the_login()
    {
        var ctx = Console("zh-CN");
        var words = new FieldMessageText(ctx.Services.GetRequiredService<IStringLocalizer<Ui>>(), ctx.Services.GetRequiredService<Messages>(),
            ctx.Services.GetRequiredService<Dispatch.Server.City.CityCatalog>());
        UnitMessage Of(UnitMessageBody body) =>
            new(1, body.Kind, DateTimeOffset.UtcNow, JsonSerializer.SerializeToElement(body, body.GetType(), JsonSerializerOptions.Web));

        var named = words.Describe(Of(new ReleasedMessage(Guid.NewGuid(), "20261206-0001", "dh.dispatcher", "李明")));
        var older = words.Describe(Of(new ReleasedMessage(Guid.NewGuid(), "20261206-0001", "dh.dispatcher")));

        Assert.Equal("操作人 李明", named.Detail);
        Assert.Equal("操作人 dh.dispatcher", older.Detail);
    }

    [Fact]
    public async Task Given_a_supervision_by_a_named_leader_when_the_drawer_lists_it_then_it_names_the_leader_not_the_login()
    {
        var login = $"ld-{Guid.NewGuid():N}"[..14];
        var leader = new Grant(Role.Leader, Tree.City.Path);
        await app.Services.GetRequiredService<Users>().Ensure(login, "赵局长", DispatchApp.Password, [leader]);
        var filed = await app.Report(Calls.Form() with { Lat = Lat, Lon = Lon });
        await app.Do(filed.Id, new Dispatch.Domain.Incidents.AcceptIncident("dispatcher"));
        await app.Do(filed.Id, new Dispatch.Domain.Incidents.SuperviseIncident("请加快处置", login), leader);
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var detail = (await query.LoadAsync<IncidentDetail>(filed.Id))!;
        var ctx = Console("zh-CN");

        var cut = ctx.Render<Dispatch.Server.Components.Dispatching.SupervisionRequests>(p => p.Add(r => r.Detail, detail));

        cut.WaitForAssertion(() => Assert.Contains("赵局长", cut.Find("[data-testid=supervision-requests] li").TextContent));
        Assert.DoesNotContain(login, cut.Find("[data-testid=supervision-requests] li").TextContent);
    }
}
