using Dispatch.Domain.Units;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Units;

/// <summary>The <c>Dispatch:Units:Timers</c> settings: defaults, the forms a limit is written in, and what a bad value says.</summary>
public sealed class UnitTimerSettingsTests
{
    static UnitTimers From(params (string Key, string Value)[] settings) =>
        UnitTimerSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Without_settings_a_unit_has_5_minutes_to_go_en_route_and_an_hour_on_scene()
    {
        var timers = From();

        Assert.Equal(TimeSpan.FromMinutes(5), timers.DispatchedWithoutEnRoute);
        Assert.Equal(TimeSpan.FromHours(1), timers.OnScene);
        Assert.Empty(timers.OnSceneByCapability);
    }

    [Fact]
    public void Limits_are_hours_minutes_seconds_and_a_capability_may_have_its_own_on_scene_limit()
    {
        var timers = From(
            (UnitTimerSettings.DispatchedWithoutEnRouteKey, "00:03:00"),
            (UnitTimerSettings.OnSceneKey, "1:30:00"),
            (UnitTimerSettings.OnSceneByCapabilityKey + ":fire-engine", "02:00:00"),
            (UnitTimerSettings.OnSceneByCapabilityKey + ":rescue", "24:00:00")); // 24 hours, not 24 days

        Assert.Equal(TimeSpan.FromMinutes(3), timers.Limit(UnitStatus.Dispatched));
        Assert.Equal(TimeSpan.FromMinutes(90), timers.Limit(UnitStatus.OnScene, ["enforcement"]));
        Assert.Equal(TimeSpan.FromHours(2), timers.Limit(UnitStatus.OnScene, ["fire-engine"]));
        Assert.Equal(TimeSpan.FromHours(24), timers.Limit(UnitStatus.OnScene, ["rescue"]));
    }

    [Theory]
    [InlineData(UnitTimerSettings.DispatchedWithoutEnRouteKey, "00:00:00")]
    [InlineData(UnitTimerSettings.DispatchedWithoutEnRouteKey, "5")] // no unit: minutes? hours? Not guessed.
    [InlineData(UnitTimerSettings.OnSceneKey, "-01:00:00")]
    [InlineData(UnitTimerSettings.OnSceneKey, "an hour")]
    [InlineData(UnitTimerSettings.OnSceneByCapabilityKey + ":fire-engine", "two hours")]
    public void A_bad_value_is_refused_naming_its_key(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => From((key, value)));

        Assert.StartsWith(key + " must be a positive time span", error.Message);
        Assert.Contains($"'{value}'", error.Message);
    }

    [Fact]
    public void Every_bad_value_is_named_at_once()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            From((UnitTimerSettings.DispatchedWithoutEnRouteKey, "soon"), (UnitTimerSettings.OnSceneKey, "0:00")));

        Assert.Contains(UnitTimerSettings.DispatchedWithoutEnRouteKey, error.Message);
        Assert.Contains(UnitTimerSettings.OnSceneKey, error.Message);
    }

    [Fact]
    public async Task A_server_with_a_bad_timer_does_not_start_and_says_which_setting()
    {
        var app = new DispatchApp { Settings = { [UnitTimerSettings.OnSceneKey] = "0:00:00" } };
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)app).InitializeAsync());

            Assert.Contains("Dispatch:Units:Timers:OnScene must be a positive time span", error.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }
}
