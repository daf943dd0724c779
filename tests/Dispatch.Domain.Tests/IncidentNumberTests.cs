using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Tests;

public class IncidentNumberTests
{
    static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Theory]
    [InlineData(1, "20261123-0001")]
    [InlineData(42, "20261123-0042")]
    [InlineData(9999, "20261123-9999")]
    [InlineData(12345, "20261123-12345")]
    public void The_number_is_the_local_day_and_the_daily_sequence(long sequence, string expected) =>
        Assert.Equal(expected, IncidentNumber.Format(new DateOnly(2026, 11, 23), sequence));

    [Fact]
    public void The_day_pads_month_and_day() =>
        Assert.Equal("20270105-0007", IncidentNumber.Format(new DateOnly(2027, 1, 5), 7));

    [Theory]
    [InlineData("2026-11-22T17:00:00Z", 2026, 11, 23)]  // 01:00 in Shanghai
    [InlineData("2026-11-22T15:59:59Z", 2026, 11, 22)]  // 23:59:59 in Shanghai
    [InlineData("2026-11-22T16:00:00Z", 2026, 11, 23)]  // midnight in Shanghai
    [InlineData("2026-11-23T10:15:00+08:00", 2026, 11, 23)]
    [InlineData("2026-11-23T01:00:00+09:00", 2026, 11, 23)]  // Tokyo's 01:00 is Shanghai's 00:00
    [InlineData("2026-11-22T23:30:00-05:00", 2026, 11, 23)]
    [InlineData("2026-12-31T16:30:00Z", 2027, 1, 1)]
    public void The_local_day_is_the_day_at_the_command_centre(string instant, int year, int month, int day) =>
        Assert.Equal(new DateOnly(year, month, day),
            IncidentNumber.LocalDay(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture), Shanghai));

    [Fact]
    public void A_call_at_1am_Shanghai_time_is_numbered_on_the_Shanghai_day()
    {
        var now = new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero);

        Assert.Equal("20261123-0042", IncidentNumber.Format(IncidentNumber.LocalDay(now, Shanghai), 42));
    }
}
