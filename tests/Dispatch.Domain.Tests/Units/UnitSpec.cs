using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Units;

/// <summary>
/// Given–when–then for the unit decider: <c>Given(events).When(command).Then(events)</c>, <c>.ThenNothing()</c>
/// (accepted, no events) or <c>.ThenRefused(code)</c>. The history is folded with <see cref="Unit.Evolve"/>, the
/// command decided at the fixed instant <see cref="Now"/>. Import with <c>using static Dispatch.Domain.Tests.Units.UnitSpec;</c>.
/// </summary>
public static class UnitSpec
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 15, 0, TimeSpan.FromHours(8));
    public static readonly DateTimeOffset Earlier = Now.AddHours(-2);

    public static readonly Guid UnitId = Guid.Parse("5c0e4a1b-8f2d-4e6a-b7c9-1d2e3f4a5b6c");
    public const string CallSign = "东湖-城管-03";
    public const string Department = "城管";
    public const string Home = "demo/dh/dh-01";

    public static readonly Guid IncidentId = Guid.Parse("7b1f6c2e-3d4a-4c5b-9e8f-0a1b2c3d4e5f");
    public const string IncidentNumber = "20261123-0042";

    public const string Dispatcher = "dispatcher.li";
    public const string Crew = "crew.chen";

    /// <summary>A spot in the city (Beijing CBD).</summary>
    public const double Lat = 39.9087, Lon = 116.4605;

    // ---- events of the history -----------------------------------------------------------------------

    public static UnitRegistered Registered(Guid? id = null, string callSign = CallSign, params string[] capabilities) =>
        new(id ?? UnitId, callSign, Department, Home, capabilities.Length == 0 ? ["enforcement"] : capabilities,
            ["陈强", "刘洋"], Dispatcher, Earlier);

    public static UnitWentOnDuty OnDuty(Guid? id = null) => new(id ?? UnitId, Crew, Earlier);
    public static UnitWentOffDuty OffDuty(Guid? id = null) => new(id ?? UnitId, Crew, Earlier);
    public static UnitDispatched Dispatched(Guid? id = null, string number = IncidentNumber) =>
        new(id ?? UnitId, IncidentId, number, Dispatcher, Earlier);
    public static UnitEnRoute EnRoute(Guid? id = null) => new(id ?? UnitId, Crew, Earlier);
    public static UnitOnScene OnScene(Guid? id = null) => new(id ?? UnitId, Crew, Earlier);
    public static UnitReturning Returning(Guid? id = null) => new(id ?? UnitId, Crew, Earlier);
    public static UnitAvailable Released(Guid? id = null) => new(id ?? UnitId, IncidentId, Dispatcher, Earlier);

    public static UnitPositionReported Position(double lat, double lon, DateTimeOffset reportedAt, Guid? id = null) =>
        new(id ?? UnitId, lat, lon, 10, reportedAt, Crew, reportedAt);

    /// <summary>A history that leaves the unit in <paramref name="status"/> (on incident 20261123-0042 where it has one).</summary>
    public static object[] HistoryIn(UnitStatus status) => status switch
    {
        UnitStatus.OffDuty => [Registered()],
        UnitStatus.Available => [Registered(), OnDuty()],
        UnitStatus.Dispatched => [Registered(), OnDuty(), Dispatched()],
        UnitStatus.EnRoute => [Registered(), OnDuty(), Dispatched(), EnRoute()],
        UnitStatus.OnScene => [Registered(), OnDuty(), Dispatched(), EnRoute(), OnScene()],
        UnitStatus.Returning => [Registered(), OnDuty(), Dispatched(), EnRoute(), OnScene(), Returning()],
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static Unit Fold(params object[] events) =>
        events.Aggregate((Unit?)null, Unit.Evolve) ?? throw new InvalidOperationException("The history folded to no unit.");

    // ---- given / when / then --------------------------------------------------------------------------

    public static GivenHistory Given(params object[] events) => new(events);

    public sealed class GivenHistory(object[] events)
    {
        public Unit State { get; } = Fold(events);

        public Outcome When(UnitCommand command, PositionThinning? thinning = null) =>
            new(State, UnitDecider.Decide(State, command, Now, thinning));
    }

    public sealed class Outcome(Unit state, Decision decision)
    {
        public Decision Decision { get; } = decision;

        /// <summary>Accepted with exactly these events (by value); returns the unit they fold to.</summary>
        public Unit Then(params object[] expected)
        {
            Assert.False(Decision.IsRefused, $"Expected events, but the command was refused: {Decision.Refusal}");
            Assert.Equal<object>(expected, Decision.Events);
            return Decision.Events.Aggregate(state, (s, e) => Unit.Evolve(s, e)!);
        }

        /// <summary>Accepted, but nothing worth an event (a thinned-out position report): not a refusal.</summary>
        public void ThenNothing()
        {
            Assert.False(Decision.IsRefused, $"Expected no events, but the command was refused: {Decision.Refusal}");
            Assert.Empty(Decision.Events);
        }

        /// <summary>Refused with <paramref name="code"/>, no events, and a formatted message naming the call sign.</summary>
        public Refusal ThenRefused(string code)
        {
            Assert.True(Decision.IsRefused, $"Expected refusal {code}, but got events: {string.Join(", ", Decision.Events)}");
            Assert.Empty(Decision.Events);
            var refusal = Decision.Refusal!;
            Assert.Equal(code, refusal.Code);
            Assert.DoesNotContain("{", refusal.Message);
            Assert.Contains(CallSign, refusal.Message);
            return refusal;
        }
    }
}
