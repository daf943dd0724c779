using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Units.UnitSpec;

namespace Dispatch.Domain.Tests.Units;

/// <summary>
/// The unit's status machine: every legal move, and every illegal one refused with a message naming the call sign
/// and what the unit is doing now.
/// </summary>
public class UnitStatusTests
{
    static readonly Dictionary<string, UnitCommand> EveryCommand = new()
    {
        ["on-duty"] = new GoOnDuty(Crew),
        ["off-duty"] = new GoOffDuty(Crew),
        ["dispatch"] = new DispatchUnit(Guid.Parse("99999999-0000-0000-0000-000000000001"), "20261123-0050", Dispatcher),
        ["enroute"] = new ReportEnRoute(Crew),
        ["accept"] = new AcceptAndGo(Crew),
        ["on-scene"] = new ReportOnScene(Crew),
        ["returning"] = new StartReturning(Crew),
        ["release"] = new ReleaseUnit(Dispatcher),
    };

    // ---- registration ----------------------------------------------------------------------------------

    [Fact]
    public void A_registered_unit_is_off_duty_with_its_capabilities_and_members()
    {
        var decision = UnitDecider.Register(null, new RegisterUnit(UnitId, " 东湖-城管-03 ", "城管", Home,
            ["enforcement", "grid-worker", "Enforcement"], ["陈强", " 刘洋 "], Dispatcher), Now);

        var registered = Assert.IsType<UnitRegistered>(Assert.Single(decision.Events));
        Assert.Equal(CallSign, registered.CallSign);
        Assert.Equal(["enforcement", "grid-worker"], registered.Capabilities);
        Assert.Equal(["陈强", "刘洋"], registered.Members);
        Assert.Equal(Now, registered.At);
        var unit = Fold(registered);
        Assert.Equal(UnitStatus.OffDuty, unit.Status);
        Assert.True(unit.Can("grid-worker"));
        Assert.False(unit.Can("fire-engine"));
    }

    [Fact]
    public void A_unit_is_registered_once()
    {
        var refusal = UnitDecider.Register(Fold(Registered()), new RegisterUnit(UnitId, CallSign, "城管", Home, [], [], Dispatcher), Now).Refusal;
        Assert.Equal("register.exists", refusal!.Code);
        Assert.Contains(CallSign, refusal.Message);
    }

    [Theory]
    [InlineData(" ", "城管", Home, "register.no-call-sign")]
    [InlineData(CallSign, "", Home, "register.no-department")]
    [InlineData(CallSign, "城管", " ", "register.no-home")]
    public void A_unit_needs_a_call_sign_a_department_and_a_home(string callSign, string department, string home, string code) =>
        Assert.Equal(code, UnitDecider.Register(null, new RegisterUnit(UnitId, callSign, department, home, [], [], Dispatcher), Now).Refusal?.Code);

    [Fact]
    public void A_registration_out_of_bounds_is_refused_naming_what()
    {
        RegisterUnit With(string callSign = CallSign, string[]? capabilities = null, string[]? members = null) =>
            new(UnitId, callSign, "城管", Home, capabilities ?? [], members ?? [], Dispatcher);
        string? Code(RegisterUnit c) => UnitDecider.Register(null, c, Now).Refusal?.Code;

        Assert.Equal("register.call-sign-too-long", Code(With(callSign: new string('x', 20_000))));
        Assert.Equal("register.too-many-capabilities", Code(With(capabilities: Enumerable.Range(0, 5000).Select(i => $"c{i}").ToArray())));
        Assert.Equal("register.capability-too-long", Code(With(capabilities: [new string('c', 41)])));
        Assert.Equal("register.too-many-members", Code(With(members: Enumerable.Range(0, 21).Select(i => $"m{i}").ToArray())));
        Assert.Equal("register.member-too-long", Code(With(members: [new string('m', 101)])));
        // The limits themselves are fine.
        Assert.Null(Code(With(callSign: new string('x', 40), capabilities: Enumerable.Range(0, 20).Select(i => new string('c', 39) + (char)('a' + i)).ToArray(),
            members: Enumerable.Range(0, 20).Select(i => $"m{i}").ToArray())));
    }

    // ---- every legal move --------------------------------------------------------------------------------

    [Fact]
    public void An_off_duty_unit_goes_on_duty_and_is_available() =>
        Assert.Equal(UnitStatus.Available,
            Given(HistoryIn(UnitStatus.OffDuty)).When(new GoOnDuty(Crew)).Then(new UnitWentOnDuty(UnitId, Crew, Now)).Status);

    [Theory]
    [InlineData(UnitStatus.Available)]
    [InlineData(UnitStatus.Returning)]
    public void An_available_or_returning_unit_goes_off_duty(UnitStatus status)
    {
        var unit = Given(HistoryIn(status)).When(new GoOffDuty(Crew)).Then(new UnitWentOffDuty(UnitId, Crew, Now));
        Assert.Equal(UnitStatus.OffDuty, unit.Status);
        Assert.Null(unit.IncidentNumber);
    }

    [Fact]
    public void An_available_unit_is_dispatched_to_an_incident()
    {
        var unit = Given(HistoryIn(UnitStatus.Available))
            .When(new DispatchUnit(IncidentId, IncidentNumber, Dispatcher))
            .Then(new UnitDispatched(UnitId, IncidentId, IncidentNumber, Dispatcher, Now));
        Assert.Equal((UnitStatus.Dispatched, IncidentId, IncidentNumber), (unit.Status, unit.IncidentId, unit.IncidentNumber));
    }

    [Fact]
    public void A_dispatched_unit_goes_en_route() =>
        Assert.Equal(UnitStatus.EnRoute,
            Given(HistoryIn(UnitStatus.Dispatched)).When(new ReportEnRoute(Crew)).Then(new UnitEnRoute(UnitId, Crew, Now)).Status);

    [Fact]
    public void Accept_and_go_takes_a_dispatched_unit_en_route_in_one_tap()
    {
        var unit = Given(HistoryIn(UnitStatus.Dispatched)).When(new AcceptAndGo(Crew)).Then(new UnitEnRoute(UnitId, Crew, Now));
        Assert.Equal(UnitStatus.EnRoute, unit.Status);
        Assert.Equal(IncidentNumber, unit.IncidentNumber);
    }

    [Fact]
    public void An_en_route_unit_arrives_on_scene() =>
        Assert.Equal(UnitStatus.OnScene,
            Given(HistoryIn(UnitStatus.EnRoute)).When(new ReportOnScene(Crew)).Then(new UnitOnScene(UnitId, Crew, Now)).Status);

    [Fact]
    public void A_unit_on_scene_starts_returning_still_tied_to_its_incident()
    {
        var unit = Given(HistoryIn(UnitStatus.OnScene)).When(new StartReturning(Crew)).Then(new UnitReturning(UnitId, Crew, Now));
        Assert.Equal(UnitStatus.Returning, unit.Status);
        Assert.Equal("returning from 20261123-0042", unit.Describe());
    }

    [Theory]
    [InlineData(UnitStatus.Dispatched)]
    [InlineData(UnitStatus.EnRoute)]
    [InlineData(UnitStatus.OnScene)]
    [InlineData(UnitStatus.Returning)]
    public void Releasing_a_committed_unit_makes_it_available_naming_the_incident(UnitStatus status)
    {
        var unit = Given(HistoryIn(status)).When(new ReleaseUnit(Dispatcher)).Then(new UnitAvailable(UnitId, IncidentId, Dispatcher, Now));
        Assert.Equal(UnitStatus.Available, unit.Status);
        Assert.Null(unit.IncidentId);
    }

    [Fact]
    public void A_release_naming_the_units_incident_frees_it() =>
        Given(HistoryIn(UnitStatus.OnScene)).When(new ReleaseUnit(Dispatcher, IncidentId))
            .Then(new UnitAvailable(UnitId, IncidentId, Dispatcher, Now));

    [Fact]
    public void A_released_unit_can_be_dispatched_again() =>
        Given([.. HistoryIn(UnitStatus.OnScene), Released()])
            .When(new DispatchUnit(IncidentId, "20261123-0050", Dispatcher))
            .Then(new UnitDispatched(UnitId, IncidentId, "20261123-0050", Dispatcher, Now));

    // ---- never double-booked --------------------------------------------------------------------------

    [Theory]
    [InlineData(UnitStatus.Dispatched, "dispatched to 20261123-0042")]
    [InlineData(UnitStatus.EnRoute, "en route to 20261123-0042")]
    [InlineData(UnitStatus.OnScene, "on scene at 20261123-0042")]
    public void A_unit_on_an_incident_is_never_double_booked(UnitStatus status, string doing)
    {
        var refusal = Given(HistoryIn(status)).When(new DispatchUnit(Guid.NewGuid(), "20261123-0050", Dispatcher))
            .ThenRefused("dispatch.double-booked");
        Assert.Equal($"Unit 东湖-城管-03 is already {doing}; release it from incident 20261123-0042 before dispatching it elsewhere.",
            refusal.Message);
    }

    [Fact]
    public void Dispatching_an_off_duty_unit_says_it_must_go_on_duty_first() =>
        Assert.Equal("Unit 东湖-城管-03 is off duty; it must go on duty before it can be dispatched.",
            Given(HistoryIn(UnitStatus.OffDuty)).When(EveryCommand["dispatch"]).ThenRefused("dispatch.off-duty").Message);

    [Fact]
    public void A_release_of_another_incident_does_not_free_the_unit() =>
        Assert.Contains(IncidentNumber, Given(HistoryIn(UnitStatus.EnRoute)).When(new ReleaseUnit(Dispatcher, Guid.NewGuid()))
            .ThenRefused("release.other-incident").Message);

    [Fact]
    public void A_dispatch_names_its_incident() =>
        Given(HistoryIn(UnitStatus.Available)).When(new DispatchUnit(IncidentId, " ", Dispatcher)).ThenRefused("dispatch.no-incident");

    // ---- every illegal move ------------------------------------------------------------------------------

    public static TheoryData<UnitStatus, string, string> EveryIllegalMove => new()
    {
        { UnitStatus.Available, "on-duty", "on-duty.already" },
        { UnitStatus.Dispatched, "on-duty", "on-duty.already" },
        { UnitStatus.EnRoute, "on-duty", "on-duty.already" },
        { UnitStatus.OnScene, "on-duty", "on-duty.already" },
        { UnitStatus.Returning, "on-duty", "on-duty.already" },

        { UnitStatus.OffDuty, "off-duty", "off-duty.already" },
        { UnitStatus.Dispatched, "off-duty", "off-duty.committed" },
        { UnitStatus.EnRoute, "off-duty", "off-duty.committed" },
        { UnitStatus.OnScene, "off-duty", "off-duty.committed" },

        { UnitStatus.OffDuty, "dispatch", "dispatch.off-duty" },
        { UnitStatus.Dispatched, "dispatch", "dispatch.double-booked" },
        { UnitStatus.EnRoute, "dispatch", "dispatch.double-booked" },
        { UnitStatus.OnScene, "dispatch", "dispatch.double-booked" },
        { UnitStatus.Returning, "dispatch", "dispatch.returning" },

        { UnitStatus.OffDuty, "enroute", "enroute.not-dispatched" },
        { UnitStatus.Available, "enroute", "enroute.not-dispatched" },
        { UnitStatus.EnRoute, "enroute", "enroute.already" },
        { UnitStatus.OnScene, "enroute", "enroute.not-dispatched" },
        { UnitStatus.Returning, "enroute", "enroute.not-dispatched" },

        { UnitStatus.OffDuty, "accept", "accept.not-dispatched" },
        { UnitStatus.Available, "accept", "accept.not-dispatched" },
        { UnitStatus.EnRoute, "accept", "accept.already" },
        { UnitStatus.OnScene, "accept", "accept.not-dispatched" },
        { UnitStatus.Returning, "accept", "accept.not-dispatched" },

        { UnitStatus.OffDuty, "on-scene", "on-scene.not-en-route" },
        { UnitStatus.Available, "on-scene", "on-scene.not-en-route" },
        { UnitStatus.Dispatched, "on-scene", "on-scene.not-en-route" },
        { UnitStatus.OnScene, "on-scene", "on-scene.already" },
        { UnitStatus.Returning, "on-scene", "on-scene.not-en-route" },

        { UnitStatus.OffDuty, "returning", "returning.not-on-scene" },
        { UnitStatus.Available, "returning", "returning.not-on-scene" },
        { UnitStatus.Dispatched, "returning", "returning.not-on-scene" },
        { UnitStatus.EnRoute, "returning", "returning.not-on-scene" },
        { UnitStatus.Returning, "returning", "returning.already" },

        { UnitStatus.OffDuty, "release", "release.not-committed" },
        { UnitStatus.Available, "release", "release.not-committed" },
    };

    [Theory]
    [MemberData(nameof(EveryIllegalMove))]
    public void An_illegal_move_is_refused_naming_the_call_sign_and_the_status(UnitStatus status, string command, string code)
    {
        var given = Given(HistoryIn(status));
        var refusal = given.When(EveryCommand[command]).ThenRefused(code);
        Assert.Contains(given.State.Describe(), refusal.Message);
    }

    /// <summary>The table above and the legal moves cover every command in every status (6 × 8).</summary>
    [Fact]
    public void Every_command_in_every_status_is_either_legal_or_refused()
    {
        var refused = EveryIllegalMove.Select(row => ((UnitStatus)row[0], (string)row[1])).ToHashSet();
        foreach (var status in Enum.GetValues<UnitStatus>())
        foreach (var (name, command) in EveryCommand)
        {
            var decision = UnitDecider.Decide(Fold(HistoryIn(status)), command, Now);
            Assert.True(decision.IsRefused == refused.Contains((status, name)), $"{name} when {status}: {decision.Refusal}");
        }
    }
}
