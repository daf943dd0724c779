using Dispatch.Domain.Warning;
using Dispatch.Server.Situation;

namespace Dispatch.Server.Tests.Situation;

/// <summary>
/// The surge window's running counts against a plain count of every line, as the ledger used to make on each look:
/// reports coming, changing category or town, leaving the ledger, and the window moving on (and once set back).
/// </summary>
public sealed class SurgeWindowTests
{
    static readonly TimeSpan Window = TimeSpan.FromMinutes(60);
    static readonly DateTimeOffset Start = new(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);
    static readonly SurgeKey Flood = new("city/a", "flood"), Gas = new("city/a", "gas-leak"), Elsewhere = new("city/b", "flood");

    // The first two tests never set the clock back: the ledger's lines are not asked for.
    static IEnumerable<(Guid, DateTimeOffset, SurgeKey)> None() => throw new InvalidOperationException("not set back");

    [Fact]
    public void Given_reports_in_and_out_of_the_window_when_it_is_looked_at_then_only_those_inside_count()
    {
        var window = new SurgeWindow(Window);
        window.Put(Guid.NewGuid(), Start.AddMinutes(-90), Flood);   // before the window
        window.Put(Guid.NewGuid(), Start.AddMinutes(-30), Flood);
        window.Put(Guid.NewGuid(), Start.AddMinutes(-1), Flood);
        window.Put(Guid.NewGuid(), Start.AddMinutes(-1), Gas);
        window.Put(Guid.NewGuid(), Start.AddMinutes(5), Gas);       // not yet reported at Start

        var counts = window.CountsAt(Start, None);

        Assert.Equal(2, counts[Flood]);
        Assert.Equal(1, counts[Gas]);
        Assert.Equal(Start.AddMinutes(30), window.NextDrop(new HashSet<SurgeKey> { Flood }, Start, None));
    }

    [Fact]
    public void Given_a_busy_day_when_the_window_moves_on_then_only_reports_not_yet_past_it_are_held()
    {
        var window = new SurgeWindow(Window);
        for (var i = 0; i < 1000; i++) window.Put(Guid.NewGuid(), Start.AddMinutes(-i), Flood);   // the day so far, one a minute

        Assert.Equal(60, window.CountsAt(Start, None)[Flood]);   // reported in the last hour (the hour-old one not)
        Assert.Equal(60, window.Held);

        window.Put(Guid.NewGuid(), Start.AddMinutes(-61), Gas);  // a late line already past the window
        Assert.Equal(60, window.Held);
        Assert.Equal(30, window.CountsAt(Start.AddMinutes(30), None)[Flood]);
        Assert.Equal(30, window.Held);
    }

    [Fact]
    public void Given_a_counted_report_when_its_town_changes_or_it_leaves_then_the_counts_follow()
    {
        var window = new SurgeWindow(Window);
        var id = Guid.NewGuid();
        window.Put(id, Start.AddMinutes(-10), Flood);
        Assert.Equal(1, window.CountsAt(Start, None)[Flood]);

        window.Put(id, Start.AddMinutes(-10), Elsewhere);
        var moved = window.CountsAt(Start, None);
        Assert.False(moved.ContainsKey(Flood));
        Assert.Equal(1, moved[Elsewhere]);

        window.Remove(id);
        Assert.Empty(window.CountsAt(Start, None));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Given_random_changes_and_looks_then_the_counts_and_next_drop_equal_a_full_count(int seed)
    {
        var random = new Random(seed);
        var window = new SurgeWindow(Window);
        var lines = new Dictionary<Guid, (SurgeKey Key, DateTimeOffset At)>();
        SurgeKey[] keys = [Flood, Gas, Elsewhere, new("city/c", "noise")];
        var now = Start;
        IEnumerable<(Guid, DateTimeOffset, SurgeKey)> Every() => lines.Select(l => (l.Key, l.Value.At, l.Value.Key));
        for (var step = 0; step < 3000; step++)
        {
            switch (random.Next(10))
            {
                case < 5: // a new report, mostly near now, sometimes late or early
                    var id = Guid.NewGuid();
                    var at = now.AddMinutes(random.Next(-150, 20)).AddSeconds(random.Next(60));
                    lines[id] = (keys[random.Next(keys.Length)], at);
                    window.Put(id, at, lines[id].Key);
                    break;
                case 5 when lines.Count > 0: // recategorised or moved
                    var changed = lines.Keys.ElementAt(random.Next(lines.Count));
                    lines[changed] = (keys[random.Next(keys.Length)], lines[changed].At);
                    window.Put(changed, lines[changed].At, lines[changed].Key);
                    break;
                case 6 when lines.Count > 0: // dropped by the ledger
                    var gone = lines.Keys.ElementAt(random.Next(lines.Count));
                    lines.Remove(gone);
                    window.Remove(gone);
                    break;
                case 7: // the clock moves on, rarely back
                    now = random.Next(20) == 0 ? now.AddMinutes(-random.Next(1, 90)) : now.AddMinutes(random.Next(0, 25));
                    break;
                default: // a look
                    var from = now - Window;
                    var inside = lines.Values.Where(l => l.At > from && l.At <= now).ToList();
                    var expected = inside.GroupBy(l => l.Key).ToDictionary(g => g.Key, g => g.Count());
                    Assert.Equal(expected.OrderBy(e => e.Key.ToString()), window.CountsAt(now, Every).OrderBy(e => e.Key.ToString()));
                    var running = keys.Where(_ => random.Next(2) == 0).ToHashSet();
                    var drop = inside.Where(l => running.Contains(l.Key)).Select(l => (DateTimeOffset?)(l.At + Window)).Min();
                    Assert.Equal(drop, window.NextDrop(running, now, Every));
                    break;
            }
        }
    }
}
