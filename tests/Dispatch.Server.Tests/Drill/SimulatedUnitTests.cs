using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Units;
using Dispatch.Drill;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Drill;

/// <summary>
/// One of the drill's simulated units against the real server, as a phone would be: registered by a dispatcher through
/// the API, signed in with its own account, on /hubs/unit; it gets an assignment sent through the API, drives there
/// (fast) and reports on scene; stopped, it goes off duty. A second run reuses the unit instead of registering it again.
/// </summary>
public sealed class SimulatedUnitTests(DispatchApp app) : IClassFixture<DispatchApp>, IDisposable
{
    readonly Scopes _scopes = new(app);
    readonly string _state = Directory.CreateTempSubdirectory("dispatch-drill-test").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    async Task<(DispatchClient Dispatcher, UnitPlan Plan, IReadOnlyList<Area> Towns)> Setup()
    {
        await app.EnsureUser(DispatchApp.DefaultUser);
        var dispatcher = await DispatchClient.SignIn(app.BaseAddress, DispatchApp.DefaultUser, DispatchApp.Password);
        var towns = await Fleet.Towns(dispatcher);
        var department = Assert.Single(await Fleet.Departments(dispatcher, Steps.Department));
        var home = towns.Single(t => t.Code == _scopes.Town.Code);
        // Its own login per test: the fixture's database is shared by the tests of this class.
        var plan = Fleet.Plan(1, [department], [home])[0] with { Login = Api.Unique("drill"), CallSign = Api.Unique("演练") };
        return (dispatcher, plan, towns);
    }

    [Fact]
    public async Task A_simulated_unit_signs_in_goes_on_duty_receives_an_assignment_sent_through_the_api_and_reaches_the_scene()
    {
        var (dispatcher, plan, towns) = await Setup();
        using var _ = dispatcher;
        var unit = Assert.Single(await Fleet.Ensure(dispatcher, new UnitCredentials(_state), [plan], towns, _ => { }));
        // Fast enough to cross its town between two ticks; a long job, so it is still on scene when the test looks.
        var habits = new UnitHabits(SpeedMetersPerSecond: 50_000, ReportEvery: TimeSpan.FromSeconds(1), Work: TimeSpan.FromHours(1));
        var log = new List<string>();
        var simulated = new SimulatedUnit(unit, app.BaseAddress, habits, TimeProvider.System, TimeSpan.FromMilliseconds(50), new Random(1),
            new DrillStats(), line => { lock (log) log.Add(line); });
        var positioned = Until(simulated, d => d.Step is UnitStep.Position && d.Reply.Ok);
        var accepted = Until(simulated, d => d.Step is UnitStep.AcceptAndGo && d.Reply.Ok);
        var onScene = Until(simulated, d => d.Step is UnitStep.OnScene && d.Reply.Ok);
        using var stop = new CancellationTokenSource();
        var running = simulated.Run(stop.Token);

        await positioned.WaitAsync(UnitDevice.Patience); // on duty: a position is refused off duty
        var incident = await app.Client().Assigned();
        await dispatcher.Unit(unit.Id, "dispatch", new { incidentId = incident.Id });
        await accepted.WaitAsync(UnitDevice.Patience);
        await onScene.WaitAsync(UnitDevice.Patience);

        var roster = (await dispatcher.Roster()).Single(u => u.Id == unit.Id);
        Assert.Equal(UnitStatus.OnScene, roster.Status);
        Assert.Equal(incident.Id, roster.IncidentId);
        var timeline = (await app.Client().Detail(incident.Id)).GetProperty("timeline").EnumerateArray()
            .Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("by").GetString())).ToList();
        Assert.Contains(("Acknowledged", unit.Login), timeline);
        Assert.Contains(("UnitOnScene", unit.Login), timeline);

        stop.Cancel();
        await running.WaitAsync(UnitDevice.Patience);
        await simulated.Stop();
        Assert.Equal(UnitStatus.OffDuty, (await dispatcher.Roster()).Single(u => u.Id == unit.Id).Status);
        lock (log) Assert.DoesNotContain(log, line => line.Contains("failed") || line.Contains("could not"));
    }

    [Fact]
    public async Task A_second_run_reuses_the_unit_it_registered_with_the_password_it_kept_and_leaves_out_one_it_cannot_sign_in_as()
    {
        var (dispatcher, plan, towns) = await Setup();
        using var _ = dispatcher;
        var first = Assert.Single(await Fleet.Ensure(dispatcher, new UnitCredentials(_state), [plan], towns, _ => { }));

        var lines = new List<string>();
        var again = Assert.Single(await Fleet.Ensure(dispatcher, new UnitCredentials(_state), [plan], towns, lines.Add));
        var elsewhere = await Fleet.Ensure(dispatcher, new UnitCredentials(Path.Combine(_state, "other-machine")), [plan], towns, lines.Add);

        Assert.Equal((first.Id, first.Password), (again.Id, again.Password));
        Assert.Contains(lines, l => l.Contains("1 reused"));
        Assert.Empty(elsewhere);
        Assert.Contains(lines, l => l.Contains(plan.Login) && l.Contains("no password"));
        // The kept password is the unit's real sign-in.
        using var session = await DispatchClient.SignIn(app.BaseAddress, again.Login, again.Password);
        Assert.Equal(again.Login, (await session.Get<JsonElement>("/api/session")).GetProperty("login").GetString());
    }

    static Task Until(SimulatedUnit unit, Func<UnitStepDone, bool> match)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        unit.Stepped += d => { if (match(d)) done.TrySetResult(); };
        return done.Task;
    }
}
