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
