using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Marten;

namespace Dispatch.Server.Demo;

public static class DemoCitySetup
{
    /// <summary>With <c>Dispatch:Demo:Seed</c> on, an empty database gets a morning's worth of demo incidents.</summary>
    public static WebApplicationBuilder AddDemoCity(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<bool>("Dispatch:Demo:Seed"))
        {
            builder.Services.AddHostedService<DemoUsersSeed>();
            builder.Services.AddHostedService<DemoUnitSeed>();
            builder.Services.AddHostedService<DemoCitySeed>();
            builder.Services.AddHostedService<DemoOperationSeed>();
        }
        return builder;
    }
}

/// <summary>
/// Fills an empty database with a morning in the demo city: 60 incidents in every state of the loop, made through
/// the same command path as everything else (so each has a real event stream and timeline), spread over the last
/// four hours. Some are returned and dispatched again, some supervised, some escalated by hand, some handled with
/// an assisting department, and the deadlines that ran out meanwhile were escalated at their time.
/// </summary>
public sealed class DemoCitySeed(IDocumentStore store, CityCatalog city, IncidentNumbers numbers, TimeProvider clock,
    Jurisdictions.JurisdictionTree jurisdictions, Command.CommandPolicy policy, ILogger<IncidentService> serviceLog, ILogger<Pipeline.CommandPipeline> pipelineLog,
    Npgsql.NpgsqlDataSource dataSource, Supervision.SupervisionSettings supervision, Warnings.PublicWarnings warnings, Operations.OperationsInForce inForce,
    ILogger<DemoCitySeed> log) : IHostedService
{
    // Streets of the demo city, around (31.23 N, 121.47 E).
    internal static readonly (string Address, double Lat, double Lon)[] Places =
    [
        ("东湖区人民路 128 号", 31.2304, 121.4737), ("东湖区解放路与建设路交叉口", 31.2351, 121.4810),
        ("西山区幸福里小区 3 栋", 31.2212, 121.4432), ("西山区文化宫北门", 31.2260, 121.4501),
        ("南江区滨江大道 66 号", 31.2105, 121.4903), ("南江区新村街道菜市场", 31.2051, 121.4788),
        ("北城区火车站东广场", 31.2498, 121.4562), ("北城区和平街 17 弄", 31.2456, 121.4620),
        ("高新区科技园 B 座", 31.1980, 121.5120), ("高新区创业路 9 号", 31.1931, 121.5066),
    ];

    static readonly (string Category, Urgency Urgency, string Description, string Department)[] Matters =
    [
        ("road-damage", Urgency.High, "路面塌陷约一米见方，车辆绕行，存在安全隐患。", "urban-management"),
        ("street-lighting", Urgency.Normal, "小区门口路灯连续三晚不亮，老人夜间出行不便。", "urban-management"),
        ("water-supply", Urgency.High, "整栋楼停水，未收到任何通知。", "water"),
        ("drainage-flooding", Urgency.Critical, "暴雨后地下通道积水过膝，有车辆熄火。", "emergency"),
        ("noise", Urgency.Low, "夜间工地施工噪声，已持续一周。", "environment"),
        ("illegal-parking", Urgency.Normal, "消防通道被私家车长期占用。", "public-security"),
        ("garbage", Urgency.Normal, "垃圾桶满溢两天无人清运，气味很大。", "urban-management"),
        ("gas-leak", Urgency.Critical, "楼道内闻到明显燃气味。", "gas-utility"),
        ("elderly-assistance", Urgency.High, "独居老人两天未出门，邻居敲门无应答。", "civil-affairs"),
        ("traffic-signal", Urgency.High, "路口信号灯全部熄灭，交通混乱。", "transport"),
        ("tree-fallen", Urgency.Normal, "大风刮倒行道树，压住人行道。", "urban-management"),
        ("street-vendors", Urgency.Low, "早市摊贩占用盲道。", "urban-management"),
    ];

    static readonly string[] Callers = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴军"];

    public async Task StartAsync(CancellationToken ct)
    {
        // Nodes starting together on an empty database (deploy/cluster, compose, a Kubernetes Deployment) would each see
        // no incident and each seed a morning: one at a time, and the later ones find the morning there.
        await using var held = await dataSource.OpenConnectionAsync(ct);
        await using (var take = new Npgsql.NpgsqlCommand("select pg_advisory_lock(hashtext('dispatch.demo_seed'))", held))
            await take.ExecuteNonQueryAsync(ct);
        try { await Seed(ct); }
        finally
        {
            // A session lock outlives a pooled connection's return (no reset on close): release it by hand.
            await using var release = new Npgsql.NpgsqlCommand("select pg_advisory_unlock(hashtext('dispatch.demo_seed'))", held);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    async Task Seed(CancellationToken ct)
    {
        await using (var query = store.QuerySession())
            if (await query.Query<IncidentCard>().AnyAsync(ct)) return;

        var random = new Random(20261123);
        var now = clock.GetUtcNow();
        var escalated = 0;
        for (var i = 0; i < Count; i++)
        {
            // Each incident lives on its own clock, started some minutes ago, ticking a few minutes a step.
            var steps = new StepClock(now.AddMinutes(-random.Next(5, 240)));
            var service = new IncidentService(new Pipeline.CommandPipeline(store, steps, pipelineLog), store, city, numbers, jurisdictions, policy, supervision, serviceLog, warnings, inForce);
            var (address, lat, lon) = Places[random.Next(Places.Length)];
            var matter = Matters[random.Next(Matters.Length)];
            var phone = $"13{random.Next(0, 10)}{random.Next(10000000, 99999999)}";
            var intake = await service.Report(new IntakeForm(
                i % 5 == 4 ? Channel.Grid : Channel.Hotline, Callers[random.Next(Callers.Length)], phone,
                lat + random.NextDouble() * 0.004 - 0.002, lon + random.NextDouble() * 0.004 - 0.002, address,
                matter.Category, matter.Description, (int)matter.Urgency), Seat("city.calltaker"), null, Pipeline.Via.System, ct);
            if (intake is not CommandOutcome.Done { Id: var id }) continue;

            async Task Step(string seat, IncidentCommand command)
            {
                steps.Advance(TimeSpan.FromMinutes(random.Next(2, 12)));
                if (steps.GetUtcNow() <= now) await service.Handle(Seat(seat), id, command, null, Pipeline.Via.System, ct);
            }

            // Walk the incident some way along the loop: i % 9 decides how far.
            // Each step by the demo user whose role takes it (the seed itself may act anywhere, as any of them).
            // Some assignments bring an assisting department along (多部门共调).
            IReadOnlyList<string>? assisting = i % 10 == 5 && matter.Department != "water" ? ["water"] : null;
            (string Seat, IncidentCommand Command)[] loop =
            [
                ("city.dispatcher", new AcceptIncident("")), ("city.dispatcher", new AssignIncident(matter.Department, "", assisting)),
                ("city.handler", new AcknowledgeIncident(matter.Department, "")),
                ("city.handler", new NoteProgress(matter.Department, "已派人员赶赴现场。", "")),
                ("city.handler", new ResolveIncident(matter.Department, "已处置完毕，现场恢复正常。", "")),
                ("city.calltaker", new RecordCallback(random.Next(3, 6), "市民表示满意。", "")),
                ("city.dispatcher", new CloseIncident("")),
            ];
            var depth = i % 9 switch { 0 or 1 => 0, 2 => 1, 3 => 2, 4 => 3, 5 => 4, 6 => 5, 7 => 6, _ => 7 };
            foreach (var (seat, command) in loop.Take(depth)) await Step(seat, command);

            // Returned (退单) by the department, then dispatched again to the street office's urban management.
            if (i % 12 == 3)
            {
                await Step("city.handler", new ReturnIncident(matter.Department, "不属于本部门职责范围。", ""));
                if (i % 24 == 3) await Step("city.dispatcher", new AssignIncident("urban-management", ""));
            }
            // A leader's supervision (督办) on some that are still open.
            if (i % 7 == 2 && depth < 7) await Step("city.leader", new SuperviseIncident("请加快处置，今日内回复办理情况。", ""));
            // Some answered by the handling side (督促纠偏); a few supervised a second time; a few callers not reached.
            if (i % 14 == 2 && depth is >= 2 and < 7) await Step("city.dispatcher", new Dispatch.Domain.Supervision.AnswerSupervision("已督促部门加快处置，预计今日办结。", ""));
            if (i % 21 == 2 && depth < 7) await Step("city.leader", new SuperviseIncident("仍未办结，请说明原因。", ""));
            if (i % 9 == 6 && i % 4 == 0)
                for (var attempt = 0; attempt < supervision.CallbackAttempts; attempt++)
                    await Step("city.calltaker", new Dispatch.Domain.Supervision.RecordCallbackAttempt("无人接听。", ""));
            // A district hands a routine matter down; a town hands a hard one up.
            if (i % 11 == 6 && depth < 4) await Step("city.dispatcher", new EscalateIncident("涉及多个部门，街道协调困难。", ""));

            // Deadlines that ran out during the morning were escalated when they did, by the deadline watch.
            escalated += await CatchUpDeadlines(service, steps, id, now, ct);
        }
        log.LogInformation("Seeded the demo city with {Count} incidents ({Escalated} automatic escalations)", Count, escalated);
    }

    const int Count = 60;

    /// <summary>Plays the deadline watch over the incident's past: each deadline that ran out before now fires at its time.</summary>
    async Task<int> CatchUpDeadlines(IncidentService service, StepClock steps, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        var fired = 0;
        while (true)
        {
            await using var query = store.QuerySession();
            if (await query.LoadAsync<IncidentCard>(id, ct) is not { NextCheckAt: { } due } || due > now) return fired;
            steps.Set(due);
            if (await service.Handle(Seat(Command.DeadlineWatch.Login), id, new CheckDeadlines(Command.DeadlineWatch.Login), null, Pipeline.Via.System, ct)
                is not CommandOutcome.Done) return fired;
            fired++;
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The seed acts in a demo user's name with every role city-wide, for whichever department a step needs.</summary>
    Actor Seat(string login) => new(login, login,
    [
        new Grant(Role.CallTaker, jurisdictions.City.Path), new Grant(Role.Dispatcher, jurisdictions.City.Path),
        new Grant(Role.Leader, jurisdictions.City.Path),
        .. city.DepartmentCodes.Select(d => new Grant(Role.Handler, jurisdictions.City.Path, d)),
    ]);

    /// <summary>A clock that stands still until moved: each demo step happens a few minutes after the last.</summary>
    sealed class StepClock(DateTimeOffset start) : TimeProvider
    {
        DateTimeOffset _now = start;
        public void Advance(TimeSpan by) => _now += by;
        public void Set(DateTimeOffset now) => _now = now;
        public override DateTimeOffset GetUtcNow() => _now;
    }
}
