using System.Net;
using System.Net.Http.Json;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Intake;

/// <summary>
/// Incident numbers are the centre's local date (Asia/Shanghai) and a daily sequence. Each test sets the
/// clock to a day of its own, so sequences start at 1 whatever order the tests run in.
/// </summary>
public sealed class IncidentNumberTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    [Fact]
    public async Task The_first_incident_of_a_local_day_is_number_0001_of_that_day()
    {
        app.Time.Set(new DateTimeOffset(2026, 3, 1, 1, 30, 0, TimeSpan.Zero)); // 09:30 in Shanghai

        var first = await app.Client().ReportOk();
        var second = await app.Client().ReportOk();

        Assert.Equal("20260301-0001", first.Number);
        Assert.Equal("20260301-0002", second.Number);
    }

    [Fact]
    public async Task The_number_follows_the_Shanghai_date_not_the_UTC_date()
    {
        // 2026-04-10 16:30 UTC is already 2026-04-11 00:30 in Shanghai.
        app.Time.Set(new DateTimeOffset(2026, 4, 10, 15, 59, 59, TimeSpan.Zero));
        var lateEvening = await app.Client().ReportOk();
        app.Time.Set(new DateTimeOffset(2026, 4, 10, 16, 0, 0, TimeSpan.Zero));
        var afterMidnight = await app.Client().ReportOk();

        Assert.Equal("20260410-0001", lateEvening.Number);
        Assert.Equal("20260411-0001", afterMidnight.Number);
    }

    [Fact]
    public async Task Fifty_concurrent_intakes_get_fifty_distinct_numbers_of_one_unbroken_sequence()
    {
        app.Time.Set(new DateTimeOffset(2026, 5, 20, 2, 0, 0, TimeSpan.Zero));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var intakes = Enumerable.Range(0, 50).Select(async _ =>
        {
            var client = app.Client();
            await start.Task;
            using var response = await client.PostReport(Api.Report());
            await response.ShouldBe(HttpStatusCode.Created);
            return (await response.Content.ReadFromJsonAsync<Accepted>())!;
        }).ToList();
        start.SetResult();
        var created = await Task.WhenAll(intakes);

        Assert.Equal(50, created.Select(c => c.Id).Distinct().Count());
        Assert.Equal(
            Enumerable.Range(1, 50).Select(n => $"20260520-{n:D4}"),
            created.Select(c => c.Number).Order());
        foreach (var c in created.Take(5))
            Assert.Equal(c.Number, (await app.Client().Detail(c.Id)).GetProperty("number").GetString());
    }

    [Fact]
    public async Task The_report_time_on_the_timeline_is_the_clock_s_time()
    {
        var now = new DateTimeOffset(2026, 6, 1, 3, 4, 5, TimeSpan.Zero);
        app.Time.Set(now);

        var created = await app.Client().ReportOk();

        var detail = await app.Client().Detail(created.Id);
        Assert.Equal(now, detail.GetProperty("reportedAt").GetDateTimeOffset());
        Assert.Equal(now, detail.GetProperty("timeline")[0].GetProperty("at").GetDateTimeOffset());
    }
}
