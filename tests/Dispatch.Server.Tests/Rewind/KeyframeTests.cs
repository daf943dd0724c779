using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Rewind;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// Rewinds from keyframes: the same cards and roster as the fold from the first event (kept here, in the test, as the
/// yardstick), keyframes written on the injected clock, by one node of two, and once through a history that had none.
/// </summary>
public class KeyframeTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    static DispatchApp Node(string database, bool keepDatabase, TimeProvider clock, bool keyframes, int everyEvents = 9,
        string checkEvery = "01:00:00")
    {
        var app = DispatchApp.OnDatabase(database, keepDatabase, clock);
        app.Settings["Dispatch:Rewind:Keyframes"] = keyframes ? "true" : "false";
        app.Settings["Dispatch:Rewind:EveryEvents"] = everyEvents.ToString();
        app.Settings["Dispatch:Rewind:EventsPerEntry"] = "0";
        app.Settings["Dispatch:Rewind:CheckEvery"] = checkEvery;
        return app;
    }

    static async Task<T> Started<T>(T app) where T : DispatchApp
    {
        await ((IAsyncLifetime)app).InitializeAsync();
        return app;
    }

    [Fact]
    public async Task Given_a_history_without_keyframes_when_a_node_starts_then_it_writes_them_in_one_pass_and_every_rewind_equals_the_fold_from_zero()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        var real = DateTimeOffset.UtcNow;
        // Yesterday first (by the incidents' own clock), so keyframes of today leave yesterday's closed cards out, and a
        // reopen today must bring one back from its stream.
        var clock = new ManualClock(real.AddDays(-1));
        Guid closedYesterday;
        var before = await Started(Node(database, keepDatabase: true, clock, keyframes: false));
        try
        {
            var early = before.Client("rewind-early");
            var unit = await Registered(early, new Scopes(before).Town.Code, "回放一号");
            await SendOk(early, unit, "on-duty");
            closedYesterday = (await early.Closed()).Id;
            var cancelledYesterday = await early.Reported();
            await early.CommandOk(cancelledYesterday.Id, "cancel", new { reason = "invalid" });
            var sent = await early.Assigned();
            await SendOk(early, unit, "dispatch", new { incidentId = sent.Id });
            await SendOk(early, unit, "accept-and-go");

            clock.Set(real);
            var later = before.Client("rewind-later");
            await later.CommandOk(closedYesterday, "reopen", new { reason = "又坏了" });
            await SendOk(later, unit, "on-scene");
            var target = await later.Accepted();
            var duplicate = await later.Reported();
            await later.CommandOk(duplicate.Id, "merge", new { into = target.Id });
            await SendOk(later, unit, "release", new { incidentId = sent.Id });
            var second = await Registered(later, new Scopes(before).Town.Code, "回放二号");
            await SendOk(later, second, "on-duty");
            await later.CommandOk(target.Id, "assign", new { department = Steps.Department });
            await SendOk(later, second, "dispatch", new { incidentId = target.Id });
            for (var i = 0; i < 3; i++) await later.Closed();
            await later.CommandOk(closedYesterday, "assign", new { department = Steps.Department });
            await WaitForHighWater(before);
        }
        finally
        {
            await ((IAsyncLifetime)before).DisposeAsync();
        }

        var after = await Started(Node(database, keepDatabase: false, clock, keyframes: true));
        try
        {
            var keeper = after.Services.GetRequiredService<KeyframeKeeper>();
            var keyframes = after.Services.GetRequiredService<Keyframes>();
            var events = await AllEvents(after);
            await WaitUntil(async () => (await keyframes.Latest(default))?.Sequence > events[^1].Sequence - 9, "the backfill to reach the end");
            var frames = await keyframes.All(default);
            Assert.True(frames.Count >= events.Count / 9 - 1, $"{frames.Count} keyframes for {events.Count} events");
            Assert.Equal(frames.Count, keeper.Written);
            Assert.All(frames.Zip(frames.Skip(1)), pair => Assert.True(pair.Second.Sequence - pair.First.Sequence >= 9));

            // The reopened card was left out of the keyframes before its reopening (closed yesterday): the rewind completes it.
            var reopened = events.First(e => e.StreamId == closedYesterday && e.Data is IncidentReopened);
            var beforeReopen = frames.Last(f => f.Sequence < reopened.Sequence);
            Assert.False((await keyframes.Cards(beforeReopen, default)).ContainsKey(closedYesterday));

            var past = after.Services.GetRequiredService<PastRecord>();
            var random = new Random(20);
            var end = new Moment(events[^1].Timestamp, events[^1].Sequence);
            var moments = events.Select(e => new Moment(e.Timestamp, e.Sequence)).Where(_ => random.Next(3) == 0)
                .Append(end).Append(new Moment(reopened.Timestamp, reopened.Sequence)).ToList();
            foreach (var moment in moments)
            {
                var (open, closed, units) = FromZero(events, moment, past.MidnightBefore(moment.At));
                var cards = await past.CardsAt(moment);
                Assert.Equal(open, Json(cards.Open.OrderBy(c => c.Id)));
                Assert.Equal(closed, Json(cards.ClosedThatDay.OrderBy(c => c.Id)));
                var roster = await past.UnitsAt(moment);
                Assert.Equal(units, Json(roster.Select(u => u with { Lat = null, Lon = null, Accuracy = null, PositionAt = null }).OrderBy(u => u.Id)));
            }
            var last = await past.CardsAt(end);
            Assert.Contains(last.Open, c => c.Id == closedYesterday && c.Reopened);

            // The moment at a time: the last event recorded by then, found between keyframes.
            foreach (var e in events.Where(_ => random.Next(4) == 0))
                Assert.Equal(events.Last(x => x.Timestamp <= e.Timestamp).Sequence, (await past.MomentAt(e.Timestamp)).Sequence);
        }
        finally
        {
            await ((IAsyncLifetime)after).DisposeAsync();
        }
    }

    [Fact]
    public async Task Given_few_events_when_the_test_clock_passes_the_interval_then_the_keeper_writes_a_keyframe_at_the_last_event()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var app = await Started(Node($"dispatch_test_{Guid.NewGuid():N}", keepDatabase: false, clock, keyframes: true, everyEvents: 1_000_000,
            checkEvery: "00:01:00"));
        try
        {
            var keeper = app.Services.GetRequiredService<KeyframeKeeper>();
            var keyframes = app.Services.GetRequiredService<Keyframes>();
            await app.Client().Accepted();
            await WaitForHighWater(app);
            await Round(keeper, () => keeper.Wake());
            Assert.Null(await keyframes.Latest(default)); // neither a million events nor ten minutes yet

            var now = DateTimeOffset.MinValue;
            await Round(keeper, () => now = clock.Advance(TimeSpan.FromMinutes(11)));
            var events = await AllEvents(app);
            var frame = await keyframes.Latest(default);
            Assert.NotNull(frame);
            Assert.Equal(events[^1].Sequence, frame!.Sequence);
            Assert.Equal(events[^1].Timestamp, frame.At);
            Assert.Equal(now, await WrittenAt(app, frame.Sequence), TimeSpan.FromMilliseconds(1)); // the test clock, 11 minutes ahead of the real one
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    [Fact]
    public async Task Given_two_nodes_keeping_keyframes_when_both_look_at_once_then_no_keyframe_is_written_twice_or_alongside_another()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        var one = await Started(Node(database, keepDatabase: true, TimeProvider.System, keyframes: true, everyEvents: 5));
        var two = await Started(Node(database, keepDatabase: false, TimeProvider.System, keyframes: true, everyEvents: 5));
        try
        {
            var keepers = new[] { one, two }.Select(a => a.Services.GetRequiredService<KeyframeKeeper>()).ToArray();
            var client = one.Client();
            for (var round = 0; round < 4; round++)
            {
                await client.Assigned();
                await two.Client().Reported();
                await WaitForHighWater(one);
                await Task.WhenAll(keepers.Select(k => Round(k, k.Wake)));
            }
            var frames = await one.Services.GetRequiredService<Keyframes>().All(default);
            Assert.True(frames.Count >= 3, $"{frames.Count} keyframes");
            Assert.Equal(frames.Count, keepers.Sum(k => k.Written));
            Assert.All(frames.Zip(frames.Skip(1)), pair => Assert.True(pair.Second.Sequence - pair.First.Sequence >= 5,
                $"keyframes at {pair.First.Sequence} and {pair.Second.Sequence}"));
        }
        finally
        {
            await ((IAsyncLifetime)two).DisposeAsync();
            await ((IAsyncLifetime)one).DisposeAsync();
        }
    }

    [Fact]
    public async Task Given_a_board_of_thousands_of_cards_when_its_keyframe_is_written_then_it_goes_in_parts_and_reads_back_whole()
    {
        var app = await Started(Node($"dispatch_test_{Guid.NewGuid():N}", keepDatabase: false, TimeProvider.System, keyframes: false));
        try
        {
            var keyframes = app.Services.GetRequiredService<Keyframes>();
            var db = app.Services.GetRequiredService<NpgsqlDataSource>();
            var random = new Random(15);
            // Text gzip cannot shrink much (random digits), so the packed board is over a megabyte.
            var cards = Enumerable.Range(0, 6_000).Select(i => new IncidentCard
            {
                Id = Guid.NewGuid(), Number = $"B{i:D6}", Category = "road-damage",
                Summary = string.Concat(Enumerable.Range(0, 40).Select(_ => random.Next(10))),
            }).ToList();
            var at = DateTimeOffset.UtcNow;
            // Parts a writer left behind without a header (it stopped halfway) are not read as part of the new keyframe.
            await Execute(db, $"insert into {Keyframes.PartsTable} (sequence, what, part, bytes) values (42, 'cards', 0, '\\xdeadbeef'), (42, 'cards', 99, '\\x00')");

            Assert.True(await keyframes.Write(42, at, at, cards, [], at, new Pace(1), default));

            var parts = await Scalar<long>(db, $"select count(*) from {Keyframes.PartsTable} where sequence = 42 and what = 'cards'");
            Assert.True(parts >= 3, $"{parts} parts");
            var frame = Assert.Single(await keyframes.All(default));
            Assert.Equal((42L, 6_000, 0), (frame.Sequence, frame.Cards, frame.Units));
            Assert.Equal(await Scalar<long>(db, $"select sum(octet_length(bytes))::bigint from {Keyframes.PartsTable} where sequence = 42"), frame.Bytes);
            var read = await keyframes.Cards(frame, default);
            Assert.Equal(cards.Select(c => (c.Id, c.Summary)).OrderBy(c => c.Id), read.Values.Select(c => (c.Id, c.Summary)).OrderBy(c => c.Id));
            Assert.Empty(await keyframes.Units(frame, default));

            // The first writer's keyframe stays: a second write at the same sequence changes nothing.
            Assert.False(await keyframes.Write(42, at, at, cards.Take(10).ToList(), [], at, new Pace(1), default));
            Assert.Equal(parts, await Scalar<long>(db, $"select count(*) from {Keyframes.PartsTable} where sequence = 42 and what = 'cards'"));

            // A keyframe from before the parts (its bytes in the header row) still reads.
            await Execute(db, $"""
                insert into {Keyframes.Table} (sequence, at, day_start, card_count, unit_count, cards, units, written_at)
                select 7, at, day_start, card_count, unit_count,
                       (select string_agg(bytes, ''::bytea order by part) from {Keyframes.PartsTable} where sequence = 42 and what = 'cards'),
                       (select string_agg(bytes, ''::bytea order by part) from {Keyframes.PartsTable} where sequence = 42 and what = 'units'), written_at
                from {Keyframes.Table} where sequence = 42
                """);
            var old = (await keyframes.All(default)).Single(f => f.Sequence == 7);
            Assert.Equal(frame.Bytes, old.Bytes);
            Assert.Equal(read.Keys.Order(), (await keyframes.Cards(old, default)).Keys.Order());
        }
        finally
        {
            await ((IAsyncLifetime)app).DisposeAsync();
        }
    }

    static async Task Execute(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    static async Task<T> Scalar<T>(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The yardstick: every event from the first, folded as the live read models do.</summary>
    static (string Open, string Closed, string Units) FromZero(IReadOnlyList<IEvent> events, Moment moment, DateTimeOffset midnight)
    {
        var cardFold = new IncidentCardProjection();
        var rosterFold = new UnitRosterProjection();
        var cards = new Dictionary<Guid, IncidentCard>();
        var units = new Dictionary<Guid, UnitRosterEntry>();
        foreach (var e in events.TakeWhile(e => e.Sequence <= moment.Sequence))
        {
            var before = cards.GetValueOrDefault(e.StreamId);
            if ((before is not null || e.Data is IncidentReported) && cardFold.Evolve(before, e.StreamId, e) is { } after) cards[e.StreamId] = after;
            if (e.Data is IUnitEvent && rosterFold.Evolve(units.GetValueOrDefault(e.StreamId), e.StreamId, e) is { } line) units[e.StreamId] = line;
        }
        return (Json(cards.Values.Where(c => c.IsOpen).OrderBy(c => c.Id)),
            Json(cards.Values.Where(c => !c.IsOpen && c.UpdatedAt >= midnight).OrderBy(c => c.Id)),
            Json(units.Values.Select(u => u with { Lat = null, Lon = null, Accuracy = null, PositionAt = null }).OrderBy(u => u.Id)));
    }

    static async Task<IReadOnlyList<IEvent>> AllEvents(DispatchApp app)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
    }

    /// <summary>Runs <paramref name="act"/> and waits for the keeper's next round to complete.</summary>
    static async Task Round(KeyframeKeeper keeper, Action act)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Completed(DateTimeOffset _) => done.TrySetResult();
        keeper.RoundCompleted += Completed;
        try
        {
            act();
            await done.Task.WaitAsync(Patience);
        }
        finally
        {
            keeper.RoundCompleted -= Completed;
        }
    }

    /// <summary>Waits until the daemon's high-water mark reaches the newest event (the keeper folds no further).</summary>
    static Task WaitForHighWater(DispatchApp app) => WaitUntil(async () =>
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            select (select coalesce(max(seq_id), 0) from dispatch.mt_events)
                <= coalesce((select last_seq_id from dispatch.mt_event_progression where name = 'HighWaterMark'), 0)
            """, connection);
        return await command.ExecuteScalarAsync() is true;
    }, "the high-water mark");

    static async Task<DateTimeOffset> WrittenAt(DispatchApp app, long sequence)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select written_at from {Keyframes.Table} where sequence = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        return new DateTimeOffset(DateTime.SpecifyKind((DateTime)(await command.ExecuteScalarAsync())!, DateTimeKind.Utc));
    }

    static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"Waited {Patience} for {what}.");
            await Task.Delay(100);
        }
    }

    static async Task<Guid> Registered(HttpClient client, string jurisdiction, string callSign)
    {
        using var response = await client.PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction, capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    static async Task SendOk(HttpClient client, Guid unit, string action, object? body = null)
    {
        using var response = await client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }

    static string Json<T>(IEnumerable<T> values) => JsonSerializer.Serialize(values.ToList());
}
