namespace Dispatch.Server.Storage;

/// <summary>
/// One round trip to the database for the commands that ask at the same time: requests made while a trip is on its way
/// go together in the next one, which starts only after all of them asked (so each sees what was committed before it
/// asked, as a read of its own would). Nothing waits for a timer, only for the trip before it. At 500 reports a second
/// this is a few trips a second where there were 500 (docs/benchmarks.md, twelfth session).
/// </summary>
/// <remarks>
/// A trip runs for all its requests, whoever stops waiting: a caller's cancellation ends its own wait only. A failure
/// goes to every request of that trip, and the next trip is made afresh.
/// </remarks>
public sealed class SharedRoundTrip<TRequest, TAnswer>(Func<IReadOnlyList<TRequest>, Task<IReadOnlyList<TAnswer>>> trip)
{
    readonly Lock _gate = new();
    List<(TRequest Request, TaskCompletionSource<TAnswer> Answer)> _waiting = [];
    bool _travelling;

    public Task<TAnswer> Ask(TRequest request, CancellationToken ct = default)
    {
        var answer = new TaskCompletionSource<TAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _waiting.Add((request, answer));
            start = !_travelling;
            _travelling = true;
        }
        if (start) _ = Travel();
        return answer.Task.WaitAsync(ct);
    }

    async Task Travel()
    {
        // Off the first caller's thread: it goes on waiting like the others.
        await Task.Yield();
        while (true)
        {
            List<(TRequest Request, TaskCompletionSource<TAnswer> Answer)> going;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _travelling = false;
                    return;
                }
                (going, _waiting) = (_waiting, []);
            }
            try
            {
                var answers = await trip([.. going.Select(g => g.Request)]);
                if (answers.Count != going.Count) throw new InvalidOperationException($"A round trip answered {answers.Count} of {going.Count} requests.");
                for (var i = 0; i < going.Count; i++) going[i].Answer.TrySetResult(answers[i]);
            }
            catch (Exception ex)
            {
                foreach (var (_, answer) in going) answer.TrySetException(ex);
            }
        }
    }
}
