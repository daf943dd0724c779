using System.Net;
using System.Net.Http.Json;
using Dispatch.Server.Tests.Infrastructure;
using Npgsql;

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
    public async Task Given_a_day_counted_by_the_old_counter_row_when_the_next_report_comes_then_its_number_follows_that_count()
    {
        // A database numbered by a version before the day sequences: the day's row says 41 were given.
        await using (var db = new NpgsqlConnection(app.ConnectionString))
        {
            await db.OpenAsync();
            await using var seed = new NpgsqlCommand("insert into dispatch.incident_numbers (day, last) values ('2026-07-02', 41)", db);
            await seed.ExecuteNonQueryAsync();
        }
        app.Time.Set(new DateTimeOffset(2026, 7, 2, 2, 0, 0, TimeSpan.Zero));

        var next = await app.Client().ReportOk();

        Assert.Equal("20260702-0042", next.Number);
    }

    [Fact]
    public async Task Given_a_day_whose_sequence_was_retired_when_a_report_of_that_day_comes_again_then_numbering_goes_on_after_its_count()
    {
        app.Time.Set(new DateTimeOffset(2026, 8, 3, 2, 0, 0, TimeSpan.Zero));
        await app.Client().ReportOk();
        var second = await app.Client().ReportOk();
        // A day more than a month later retires the old day's sequence (its count goes back into the day's row).
        app.Time.Set(new DateTimeOffset(2026, 9, 20, 2, 0, 0, TimeSpan.Zero));
        await app.Client().ReportOk();
        await using (var db = new NpgsqlConnection(app.ConnectionString))
        {
            await db.OpenAsync();
            await using var sequence = new NpgsqlCommand("select to_regclass('dispatch.incident_no_20260803') is null", db);
            Assert.True((bool)(await sequence.ExecuteScalarAsync())!);
        }

        app.Time.Set(new DateTimeOffset(2026, 8, 3, 3, 0, 0, TimeSpan.Zero));
        var late = await app.Client().ReportOk();

        Assert.Equal("20260803-0002", second.Number);
        Assert.Equal("20260803-0003", late.Number);
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
