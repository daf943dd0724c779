using Dispatch.Server.Duplicates;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Duplicates;

/// <summary>The <c>Dispatch:Duplicates</c> settings: defaults, the forms a window is written in, and what a bad value says.</summary>
public sealed class DuplicateRulesTests
{
    static DuplicateRules From(string? distance = null, string? window = null) =>
        DuplicateRules.From(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DuplicateRules.DistanceKey] = distance, [DuplicateRules.WindowKey] = window,
        }.Where(p => p.Value is not null)).Build());

    [Fact]
    public void Without_settings_a_duplicate_is_within_300_metres_and_24_hours()
    {
        var rules = From();

        Assert.Equal(300, rules.DistanceMeters);
        Assert.Equal(TimeSpan.FromHours(24), rules.Window);
    }

    [Theory]
    [InlineData("24:00:00", 24 * 60)]  // hours, as people mean it (.NET alone reads 24 days)
    [InlineData("36:00", 36 * 60)]
    [InlineData("0:30:00", 30)]
    [InlineData("2.00:00:00", 48 * 60)]
    [InlineData(" 12:00:00 ", 12 * 60)]
    public void A_window_is_hours_minutes_seconds_or_days_hours_minutes_seconds(string window, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), From(window: window).Window);

    [Theory]
    [InlineData("150.5", 150.5)]
    [InlineData("1000", 1000)]
    public void The_distance_is_in_metres(string distance, double meters) =>
        Assert.Equal(meters, From(distance: distance).DistanceMeters);

    [Theory]
    [InlineData("0", null, DuplicateRules.DistanceKey)]
    [InlineData("-5", null, DuplicateRules.DistanceKey)]
    [InlineData("300m", null, DuplicateRules.DistanceKey)]
    [InlineData("NaN", null, DuplicateRules.DistanceKey)]
    [InlineData(null, "00:00:00", DuplicateRules.WindowKey)]
    [InlineData(null, "-01:00:00", DuplicateRules.WindowKey)]
    [InlineData(null, "24", DuplicateRules.WindowKey)]  // no unit: days? hours? Not guessed.
    [InlineData(null, "a day", DuplicateRules.WindowKey)]
    public void A_bad_value_is_refused_naming_its_key(string? distance, string? window, string key)
    {
        var error = Assert.Throws<InvalidOperationException>(() => From(distance, window));

        Assert.StartsWith(key + " must be a positive", error.Message);
    }

    [Fact]
    public void Both_bad_values_are_named_at_once()
    {
        var error = Assert.Throws<InvalidOperationException>(() => From("-1", "soon"));

        Assert.Contains(DuplicateRules.DistanceKey, error.Message);
        Assert.Contains(DuplicateRules.WindowKey, error.Message);
    }

    [Fact]
    public async Task A_server_with_a_bad_window_does_not_start_and_says_which_setting()
    {
        var app = new DispatchApp { Settings = { [DuplicateRules.WindowKey] = "0:00:00" } };
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)app).InitializeAsync());

            Assert.Contains("Dispatch:Duplicates:Window must be a positive time span", error.ToString());
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }
}
