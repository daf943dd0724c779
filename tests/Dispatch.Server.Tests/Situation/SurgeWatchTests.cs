using Dispatch.Domain.Warning;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Server.Tests.Situation;

/// <summary>
/// The surge watch on the app's manual clock, through the real intake API: a burst of one category in one town is
/// recorded once (also with a second watch racing it, as a second node would), ends when the burst slides out of the
/// window, and a later burst is a new surge.
/// </summary>
public sealed class SurgeWatchTests(SurgeWatchingApp app) : IClassFixture<SurgeWatchingApp>
{
    const string Category = "gas-leak";
    static readonly TimeSpan Window = SurgeSettings.Default.Window;

    SurgeKey Key => new(app.Services.GetRequiredService<JurisdictionTree>().Place(Api.ReportLat, Api.ReportLon).Town!.Path, Category);

    async Task Burst(int count)
    {
        var client = app.Client();
        for (var i = 0; i < count; i++) await client.ReportOk(Api.Report(category: Category));
    }

    async Task<IReadOnlyList<object>> Stream()
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return [.. (await query.Events.FetchStreamAsync(Key.StreamId)).Select(e => e.Data)];
    }

    /// <summary>Completes once <paramref name="watch"/> has finished a round that looked at <paramref name="from"/> or later.</summary>
    static Task RoundAt(SurgeWatch watch, DateTimeOffset from)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRound(DateTimeOffset at) { if (at >= from) done.TrySetResult(); }
        watch.RoundCompleted += OnRound;
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(t => { watch.RoundCompleted -= OnRound; return t; }).Unwrap();
    }

    static Task<SurgeDetected> NextRecorded(params SurgeWatch[] watches)
    {
        var done = new TaskCompletionSource<SurgeDetected>(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var watch in watches) watch.Recorded += d => { done.TrySetResult(d); return Task.CompletedTask; };
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_burst_is_recorded_once_with_two_watches_racing_then_ends_then_a_new_burst_is_a_new_surge()
    {
        var watch = app.Services.GetRequiredService<SurgeWatch>();
        // A second node's watch: its own instance on the same store, hearing the same pushes.
        var other = new SurgeWatch(app.Services.GetRequiredService<Dispatch.Server.Pipeline.CommandPipeline>(), app.Services.GetRequiredService<SituationFeed>(),
            SurgeSettings.Default, app.Time, app.Services.GetRequiredService<JurisdictionTree>(), NullLogger<SurgeWatch>.Instance);
        await other.StartAsync(CancellationToken.None);
        try
        {
            var recorded = NextRecorded(watch, other);
            await Burst(SurgeSettings.Default.MinimumCount);
            var detected = await recorded;
            Assert.Equal((Key.Town, Category, SurgeSettings.Default.MinimumCount), (detected.Town, detected.Category, detected.Count));

            // Both watches look again after more reports: still one detection on the stream.
            var now = app.Time.GetUtcNow();
            var rounds = Task.WhenAll(RoundAt(watch, now), RoundAt(other, now));
            await Burst(2);
            await rounds;
            Assert.Equal([typeof(SurgeDetected)], (await Stream()).Select(e => e.GetType()));

            // The window slides past the burst: the surge ends, once, when its last report leaves.
            var later = app.Time.GetUtcNow() + Window + TimeSpan.FromMinutes(1);
            rounds = Task.WhenAll(RoundAt(watch, later), RoundAt(other, later));
            app.Time.Advance(Window + TimeSpan.FromMinutes(1));
            await rounds;
            var ended = Assert.IsType<SurgeEnded>((await Stream()).Last());
            Assert.Equal(0, ended.Count);
            Assert.Equal(2, (await Stream()).Count);

            // A new burst is a new surge.
            recorded = NextRecorded(watch, other);
            await Burst(SurgeSettings.Default.MinimumCount);
            await recorded;
            Assert.Equal([typeof(SurgeDetected), typeof(SurgeEnded), typeof(SurgeDetected)], (await Stream()).Select(e => e.GetType()));
            await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
            var card = await query.LoadAsync<SurgeCard>(Key.StreamId);
            Assert.True(card is { Active: true, Surges: 2 });

            // The city channel heard each surge once, in the surge's own transaction.
            var city = Dispatch.Domain.Chat.Channels.Node(app.Services.GetRequiredService<JurisdictionTree>().City.Path).Key;
            var cityStream = Dispatch.Server.Chat.ChatLog.StreamId(city);
            var said = (await query.Events.QueryAllRawEvents().Where(e => e.StreamId == cityStream).ToListAsync())
                .Select(e => e.Data).OfType<Dispatch.Domain.Chat.ChannelMessagePosted>().Where(m => m.Result?.Code == "system.surge").ToList();
            Assert.Equal(2, said.Count);
            Assert.All(said, m => Assert.Equal((Dispatch.Domain.Chat.MessageKind.System, Category), (m.Kind, m.Result!.Args[1])));
        }
        finally
        {
            await other.StopAsync(CancellationToken.None);
        }
    }
}
