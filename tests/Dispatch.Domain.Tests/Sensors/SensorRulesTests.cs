using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Sensors;

namespace Dispatch.Domain.Tests.Sensors;

/// <summary>The sensors' pure rules: what alarms and recovers, what a batch must be, silence, and who keeps devices.</summary>
public class SensorRulesTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);

    static Device Device(int silenceMinutes = 30) => new(Guid.NewGuid(), new DeviceSettings("WL-1", "water-level", new GeoPoint(31.23, 121.47),
        new Place("demo/dh/dh-01/dh-01-03", "dh", "dh-01", "dh-01-03"),
        [new Threshold("level", Bound.Above, 3.0, 2.5), new Threshold("ph", Bound.Below, 6.0, 6.5)], "water", "drainage-flooding", Urgency.High, silenceMinutes),
        T0, "admin");

    static readonly IReadOnlySet<string> None = new HashSet<string>();

    [Fact]
    public void Given_a_measure_in_no_alarm_when_readings_cross_the_level_and_come_back_then_one_alarm_and_one_recovery()
    {
        var d = Device();
        var signals = SensorRules.Assess(d, None, [
            new("level", 2.0, T0), new("level", 3.0, T0.AddMinutes(1)), new("level", 3.2, T0.AddMinutes(2)),
            new("level", 2.7, T0.AddMinutes(3)), new("level", 2.5, T0.AddMinutes(4)), new("level", 2.0, T0.AddMinutes(5))]);
        // 3.0 is at the level, not over it; 2.7 is between the levels (still in alarm); 2.5 recovers; 2.0 after it says nothing.
        Assert.Equal([(SignalKind.Alarm, 3.2), (SignalKind.Recovery, 2.5)], signals.Select(s => (s.Kind, s.Reading.Value)));
    }

    [Fact]
    public void Given_readings_out_of_order_when_assessed_then_they_are_taken_in_the_order_measured()
    {
        var signals = SensorRules.Assess(Device(), None, [new("level", 2.0, T0.AddMinutes(2)), new("level", 3.5, T0.AddMinutes(1))]);
        Assert.Equal([SignalKind.Alarm, SignalKind.Recovery], signals.Select(s => s.Kind));
    }

    [Fact]
    public void Given_a_below_threshold_when_the_value_falls_under_it_then_it_alarms_and_recovers_at_or_over_the_recovery_level()
    {
        var signals = SensorRules.Assess(Device(), None, [new("ph", 5.5, T0), new("ph", 6.2, T0.AddMinutes(1)), new("ph", 6.5, T0.AddMinutes(2))]);
        Assert.Equal([(SignalKind.Alarm, 5.5), (SignalKind.Recovery, 6.5)], signals.Select(s => (s.Kind, s.Reading.Value)));
    }

    [Fact]
    public void Given_no_alarm_and_normal_readings_when_asked_whether_they_matter_then_no_command_is_needed()
    {
        var d = Device();
        Assert.False(SensorRules.MayMatter(d, None, [new("level", 1.0, T0), new("ph", 7.0, T0)]));
        Assert.True(SensorRules.MayMatter(d, None, [new("level", 3.1, T0)]));
        Assert.True(SensorRules.MayMatter(d, new HashSet<string> { "level" }, [new("level", 1.0, T0)]));
    }

    [Fact]
    public void Given_a_bad_batch_when_validated_then_each_bad_field_is_named_by_its_index_and_nothing_is_kept()
    {
        var (readings, errors) = SensorRules.Validate(
            [new("level", 1, T0), new("flow", 1, T0), new("level", double.NaN, T0), null, new("level", 1, T0.AddDays(-2)), new("level", 1, T0.AddMinutes(6))],
            Device(), T0);
        Assert.Empty(readings);
        Assert.Equal(["readings[1].measure", "readings[2].value", "readings[3]", "readings[4].at", "readings[5].at"], errors.Select(e => e.Field));
        Assert.Single(SensorRules.Validate([], Device(), T0).Errors, e => e.Field == "readings");
    }

    [Fact]
    public void Given_a_device_form_when_a_recovery_lies_past_its_level_then_the_threshold_field_is_named()
    {
        var form = new SensorRules.DeviceForm("WL", "water-level", 31.2, 121.4, null,
            [new("level", "above", 3.0, 3.5), new("level", "below", 1.0, null), new("x", "sideways", null, null)], "water", "drainage-flooding", 3, 60);
        var errors = SensorRules.Validate(form, new HashSet<string> { "water" }, new HashSet<string> { "drainage-flooding" }).Select(e => e.Field);
        Assert.Equal(["thresholds[0].recovery", "thresholds[1].measure", "thresholds[2].alarm", "thresholds[2].level"], errors);
    }

    [Fact]
    public void Given_a_silent_device_when_checked_then_it_is_flagged_once_and_cleared_when_heard()
    {
        var d = Device(silenceMinutes: 30);
        Assert.True(DeviceDecider.Decide(d, new CheckSilence(null, "watch"), T0.AddMinutes(29)).IsRefused);
        var flagged = DeviceDecider.Decide(d, new CheckSilence(null, "watch"), T0.AddMinutes(30));
        var silent = Assert.IsType<DeviceFellSilent>(Assert.Single(flagged.Events));
        d = Dispatch.Domain.Sensors.Device.Evolve(d, silent)!;
        Assert.Equal("device.not-silent", DeviceDecider.Decide(d, new CheckSilence(null, "watch"), T0.AddHours(5)).Refusal!.Code);
        d = Dispatch.Domain.Sensors.Device.Evolve(d, Assert.Single(DeviceDecider.Decide(d, new HearDevice("device"), T0.AddHours(5)).Events))!;
        Assert.Null(d.SilentSince);
        // Heard at 05:00: silent again only 30 minutes after that.
        Assert.True(DeviceDecider.Decide(d, new CheckSilence(T0.AddHours(5), "watch"), T0.AddHours(5).AddMinutes(29)).IsRefused);
    }

    [Fact]
    public void Given_a_retired_device_when_anything_is_asked_then_it_is_refused()
    {
        var d = Dispatch.Domain.Sensors.Device.Evolve(Device(), new DeviceRetired(Guid.Empty, "replaced", "admin", T0))!;
        Assert.Equal("device.retired", DeviceDecider.Decide(d, new RotateDeviceKey("admin"), T0).Refusal!.Code);
        Assert.Equal("device.retired", DeviceDecider.Decide(d, new CheckSilence(null, "watch"), T0.AddDays(9)).Refusal!.Code);
    }

    [Theory]
    [InlineData(Role.Admin, "demo/dh/dh-01", true)]
    [InlineData(Role.Admin, "demo/xh", false)]
    [InlineData(Role.Dispatcher, "demo", true)]
    [InlineData(Role.Dispatcher, "demo/dh", false)]
    [InlineData(Role.CallTaker, "demo", false)]
    public void Given_a_role_when_it_would_keep_a_device_in_a_grid_cell_then_admins_in_scope_and_city_dispatchers_may(Role role, string scope, bool may) =>
        Assert.Equal(may, SensorRules.MayManage(new Actor("x", "X", [new Grant(role, scope)]), "demo/dh/dh-01/dh-01-03"));
}
