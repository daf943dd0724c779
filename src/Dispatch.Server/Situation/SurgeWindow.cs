using Dispatch.Domain.Warning;

namespace Dispatch.Server.Situation;

/// <summary>
/// The reports inside the surge window, counted per category × town as lines come, change and go, and moved along when the
/// window moves. Why: the surge watch looks again on every change, and counting every line the ledger holds on each look
/// cost the open incidents times the report rate, under the lock the pushes also wait for (docs/benchmarks.md, issue 15).
/// A look now costs the reports that entered or left the window since the last one, and only reports not yet past the
/// window are held: on a busy day the ledger holds hundreds of thousands of lines, the window a few thousand. Only a
/// clock set back (tests) needs the lines again: the look that finds it asks the ledger for them. Not thread-safe, like
/// the ledger.
/// </summary>
sealed class SurgeWindow(TimeSpan window)
{
    static readonly Guid Last = new("ffffffff-ffff-ffff-ffff-ffffffffffff");

    // The reports not yet past the window, by report time; the window is the part after From up to To.
    readonly SortedSet<(DateTimeOffset At, Guid Id)> _byTime = [];
    readonly Dictionary<Guid, (SurgeKey Key, DateTimeOffset At)> _lines = [];
    readonly Dictionary<SurgeKey, int> _counts = [];
    DateTimeOffset _to = DateTimeOffset.MinValue;

    DateTimeOffset From => _to == DateTimeOffset.MinValue ? _to : _to - window;

    bool Inside(DateTimeOffset at) => at > From && at <= _to;

    /// <summary>How many reports are held (in the window or reported after its end).</summary>
    public int Held => _lines.Count;

    /// <summary>A line held for the first time, or held again with its (possibly changed) category and town.</summary>
    public void Put(Guid id, DateTimeOffset reportedAt, SurgeKey key)
    {
        if (_lines.TryGetValue(id, out var held) && held == (key, reportedAt)) return;
        Remove(id);
        // Already past the window: it can never count again while time goes forward.
        if (_to != DateTimeOffset.MinValue && reportedAt <= From) return;
        Hold(id, reportedAt, key);
        if (Inside(reportedAt)) Count(key);
    }

    /// <summary>A line the ledger no longer holds.</summary>
    public void Remove(Guid id)
    {
        if (!_lines.Remove(id, out var line)) return;
        _byTime.Remove((line.At, id));
        if (Inside(line.At)) Uncount(line.Key);
    }

    /// <summary>
    /// Reports per category × town in the window ending <paramref name="now"/> (after what it ended at before).
    /// <paramref name="everyLine"/> gives all the ledger's lines, read only when the clock was set back.
    /// </summary>
    public Dictionary<SurgeKey, int> CountsAt(DateTimeOffset now, Func<IEnumerable<(Guid Id, DateTimeOffset At, SurgeKey Key)>> everyLine)
    {
        MoveTo(now, everyLine);
        return new(_counts);
    }

    /// <summary>When the count of one of <paramref name="keys"/> next drops: its oldest report in the window leaves it.</summary>
    public DateTimeOffset? NextDrop(IReadOnlySet<SurgeKey> keys, DateTimeOffset now,
        Func<IEnumerable<(Guid Id, DateTimeOffset At, SurgeKey Key)>> everyLine)
    {
        MoveTo(now, everyLine);
        if (keys.Count == 0) return null;
        foreach (var (at, id) in Between(From, _to))
            if (keys.Contains(_lines[id].Key)) return at + window;
        return null;
    }

    void MoveTo(DateTimeOffset now, Func<IEnumerable<(Guid Id, DateTimeOffset At, SurgeKey Key)>> everyLine)
    {
        if (now == _to) return;
        if (now < _to || _to == DateTimeOffset.MinValue)
        {
            // A clock set back (tests) or the first look: count afresh, from all the ledger's lines when set back.
            var back = now < _to;
            _counts.Clear();
            _to = now;
            if (back)
            {
                _lines.Clear();
                _byTime.Clear();
                foreach (var (id, at, key) in everyLine()) if (at > From) Hold(id, at, key);
            }
            Forget(counted: _ => false);
            // The start-up load put the whole day in; a dictionary keeps its size after removals, so give it back.
            _lines.TrimExcess();
            foreach (var (_, id) in Between(From, _to)) Count(_lines[id].Key);
            return;
        }
        var (from, to) = (From, _to);
        _to = now;
        // What left was counted if it was inside the old window; what came in: after the old end, up to now.
        Forget(counted: at => at > from && at <= to);
        foreach (var (_, id) in Between(to > From ? to : From, _to)) Count(_lines[id].Key);
    }

    void Hold(Guid id, DateTimeOffset at, SurgeKey key)
    {
        _lines[id] = (key, at);
        _byTime.Add((at, id));
    }

    // Lets go of the reports now past the window, oldest first, uncounting those that were counted.
    void Forget(Func<DateTimeOffset, bool> counted)
    {
        while (_byTime.Count > 0 && _byTime.Min is var (at, id) && at <= From)
        {
            _byTime.Remove((at, id));
            _lines.Remove(id, out var line);
            if (counted(at)) Uncount(line.Key);
        }
    }

    // The lines reported after `after`, up to and including `until`, oldest first.
    IEnumerable<(DateTimeOffset At, Guid Id)> Between(DateTimeOffset after, DateTimeOffset until) =>
        after >= until || _byTime.Count == 0 ? [] : _byTime.GetViewBetween((after.AddTicks(1), Guid.Empty), (until, Last));

    void Count(SurgeKey key) => _counts[key] = _counts.GetValueOrDefault(key) + 1;

    void Uncount(SurgeKey key)
    {
        var left = _counts.GetValueOrDefault(key) - 1;
        if (left > 0) _counts[key] = left;
        else _counts.Remove(key);
    }
}
