using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Given–when–then for the incident decider: <c>Given(events).When(command).Then(events)</c> or
/// <c>.ThenRefused(code)</c>. The history is folded with <see cref="Incident.Evolve"/> (as Marten does), the
/// command is decided at the fixed instant <see cref="Now"/>; there is no real clock and no I/O.
/// Import with <c>using static Dispatch.Domain.Tests.IncidentSpec;</c>.
/// </summary>
public static class IncidentSpec
{
    // ---- fixed values -----------------------------------------------------------------------------------

    /// <summary>The clock given to the decider: Monday morning at the Shanghai command centre.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 15, 0, TimeSpan.FromHours(8));

    /// <summary>When the history happened; only <see cref="Now"/> appears in decided events.</summary>
    public static readonly DateTimeOffset Earlier = Now.AddHours(-2);

    public static readonly Guid Id = Guid.Parse("7b1f6c2e-3d4a-4c5b-9e8f-0a1b2c3d4e5f");
    public const string Number = "20261123-0042";

    public const string CallTaker = "calltaker.zhao";
    public const string Dispatcher = "dispatcher.li";
    public const string Handler = "handler.wang";

    /// <summary>Urban management (城管) and water (水务): the lead department and the other one.</summary>
    public const string UrbanManagement = "城管";
    public const string Water = "水务";

    public const string Phone = "13812345678";
    public static readonly GeoPoint Spot = new(39.9087, 116.4605);
    public const string Address = "北京市朝阳区建国路88号";

    // ---- events of the history -----------------------------------------------------------------------

    public static IncidentReported Reported(string? phone = Phone) =>
        new(Id, Number, Channel.Hotline, new Caller("张伟", phone), Spot, Address, "roads.manhole",
            "建国路88号门口井盖缺失", Urgency.High, CallTaker, Earlier);

    public static IncidentAccepted Accepted() => new(Id, Dispatcher, Earlier);

    public static IncidentAssigned Assigned(string department = UrbanManagement) =>
        new(Id, department, Dispatcher, Earlier);

    public static IncidentAcknowledged Acknowledged(string department = UrbanManagement) =>
        new(Id, department, Handler, Earlier);

    public static IncidentProgressNoted ProgressNoted(string department = UrbanManagement) =>
        new(Id, department, "围挡已设置", Handler, Earlier);

    public static IncidentReturned Returned(string department = UrbanManagement) =>
        new(Id, department, "不属于本部门职责", Handler, Earlier);

    public static IncidentResolved Resolved(string department = UrbanManagement) =>
        new(Id, department, "井盖已更换", Handler, Earlier);

    public static CitizenCallbackRecorded CallbackRecorded(int satisfaction = 5) =>
        new(Id, satisfaction, "很满意", Dispatcher, Earlier);

    public static IncidentClosed Closed() => new(Id, Dispatcher, Earlier);

    public static IncidentReopened Reopened() => new(Id, "井盖又丢了", Dispatcher, Earlier);

    public static IncidentCancelled Cancelled(CancelReason reason = CancelReason.Invalid) =>
        new(Id, reason, reason == CancelReason.Duplicate ? "20261123-0041" : null, Dispatcher, Earlier);

    public static IncidentLocated Located() => new(Id, new GeoPoint(39.91, 116.46), "建国路90号", CallTaker, Earlier);

    /// <summary>A history that leaves the incident in <paramref name="state"/> (lead department: 城管).</summary>
    public static object[] HistoryIn(IncidentState state, string? phone = Phone) => state switch
    {
        IncidentState.Reported => [Reported(phone)],
        IncidentState.Accepted => [Reported(phone), Accepted()],
        IncidentState.Assigned => [Reported(phone), Accepted(), Assigned()],
        IncidentState.Acknowledged => [Reported(phone), Accepted(), Assigned(), Acknowledged()],
        IncidentState.Resolved => [Reported(phone), Accepted(), Assigned(), Acknowledged(), Resolved()],
        IncidentState.Closed =>
            [Reported(phone), Accepted(), Assigned(), Acknowledged(), Resolved(), CallbackRecorded(), Closed()],
        IncidentState.Cancelled => [Reported(phone), Accepted(), Cancelled()],
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    // ---- given / when / then --------------------------------------------------------------------------

    public static GivenHistory Given(params object[] events) => new(events);

    public sealed class GivenHistory
    {
        public GivenHistory(object[] events)
        {
            Assert.NotEmpty(events);
            State = events.Aggregate((Incident?)null, Incident.Evolve)
                    ?? throw new InvalidOperationException("The history folded to no incident.");
        }

        /// <summary>The incident folded from the history.</summary>
        public Incident State { get; }

        public Outcome When(IncidentCommand command) => new(State, IncidentDecider.Decide(State, command, Now));
    }

    public sealed class Outcome(Incident state, Decision decision)
    {
        public Decision Decision { get; } = decision;

        /// <summary>The command was accepted and produced exactly these events (compared by value).</summary>
        public Incident Then(params object[] expected)
        {
            Assert.False(Decision.IsRefused, $"Expected events, but the command was refused: {Decision.Refusal}");
            Assert.Equal<object>(expected, Decision.Events);
            // What the decider produced must fold: every event it emits is one Evolve knows.
            return Decision.Events.Aggregate(state, (s, e) => Incident.Evolve(s, e)!);
        }

        /// <summary>
        /// The command was refused with <paramref name="code"/>, no events, and a message that is fully
        /// formatted and (unless <paramref name="namesIncident"/> is false) names the incident number.
        /// </summary>
        public Refusal ThenRefused(string code, bool namesIncident = true)
        {
            Assert.True(Decision.IsRefused, $"Expected refusal {code}, but got events: {string.Join(", ", Decision.Events)}");
            Assert.Empty(Decision.Events);
            var refusal = Decision.Refusal!;
            Assert.Equal(code, refusal.Code);
            var message = refusal.Message;
            Assert.DoesNotContain("{", message);
            if (namesIncident) Assert.Contains(Number, message);
            return refusal;
        }
    }
}
