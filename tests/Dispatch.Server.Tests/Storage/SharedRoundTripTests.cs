using Dispatch.Server.Storage;

namespace Dispatch.Server.Tests.Storage;

/// <summary>Commands asking the database the same thing at the same time share one round trip (numbers, operations in force).</summary>
public sealed class SharedRoundTripTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>A round trip that waits to be let go, and records what each trip carried.</summary>
    sealed class Trips
    {
        public readonly List<IReadOnlyList<int>> Carried = [];
        public readonly Queue<TaskCompletionSource> Gates = new();
        public readonly SemaphoreSlim Started = new(0);
        public Exception? FailNext;

        public async Task<IReadOnlyList<string>> Run(IReadOnlyList<int> requests)
        {
            TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (Carried)
            {
                Carried.Add(requests);
                Gates.Enqueue(gate);
            }
            Started.Release();
            await gate.Task;
            if (Interlocked.Exchange(ref FailNext, null) is { } failure) throw failure;
            return [.. requests.Select(r => $"answer {r}")];
        }

        public void LetGo()
        {
            lock (Carried) Gates.Dequeue().SetResult();
        }
    }

    [Fact]
    public async Task Given_a_trip_on_its_way_when_ten_more_ask_then_they_go_together_in_the_next_and_each_gets_its_own_answer()
    {
        var trips = new Trips();
        var shared = new SharedRoundTrip<int, string>(trips.Run);

        var first = shared.Ask(0);
        Assert.True(await trips.Started.WaitAsync(Patience));
        var more = Enumerable.Range(1, 10).Select(i => shared.Ask(i)).ToList();
        trips.LetGo();
        Assert.Equal("answer 0", await first.WaitAsync(Patience));
        Assert.True(await trips.Started.WaitAsync(Patience));
        trips.LetGo();

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"answer {i}"), await Task.WhenAll(more).WaitAsync(Patience));
        Assert.Equal([[0], Enumerable.Range(1, 10).ToList()], trips.Carried);
    }

    [Fact]
    public async Task Given_a_trip_that_fails_when_more_asked_meanwhile_then_only_its_own_request_fails_and_the_next_trip_answers_them()
    {
        var trips = new Trips { FailNext = new IOException("the connection was lost") };
        var shared = new SharedRoundTrip<int, string>(trips.Run);

        var failing = shared.Ask(1);
        Assert.True(await trips.Started.WaitAsync(Patience));
        var meanwhile = new[] { shared.Ask(2), shared.Ask(3) };
        trips.LetGo();
        await Assert.ThrowsAsync<IOException>(() => failing.WaitAsync(Patience));

        Assert.True(await trips.Started.WaitAsync(Patience));
        trips.LetGo();
        Assert.Equal(["answer 2", "answer 3"], await Task.WhenAll(meanwhile).WaitAsync(Patience));
        Assert.Equal([[1], [2, 3]], trips.Carried);
    }

    [Fact]
    public async Task Given_a_caller_that_stops_waiting_when_its_trip_comes_back_then_the_others_still_get_their_answers()
    {
        var trips = new Trips();
        var shared = new SharedRoundTrip<int, string>(trips.Run);
        using var leaving = new CancellationTokenSource();

        var first = shared.Ask(0);
        Assert.True(await trips.Started.WaitAsync(Patience));
        var stays = shared.Ask(1);
        var leaves = shared.Ask(2, leaving.Token);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaves);
        trips.LetGo();
        Assert.True(await trips.Started.WaitAsync(Patience));
        trips.LetGo();

        Assert.Equal("answer 1", await stays.WaitAsync(Patience));
        Assert.Equal("answer 0", await first.WaitAsync(Patience));
        // The trip still carried the request of the caller who left: a number drawn for it is skipped, as for an intake that failed.
        Assert.Equal([[0], [1, 2]], trips.Carried);
    }
}
