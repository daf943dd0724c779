using Bunit;
using Dispatch.Server.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dispatch.Components.Tests;

/// <summary>How a live component takes pushes: in order, on its circuit, without holding up the feed.</summary>
public sealed class LiveComponentTests : IDisposable
{
    readonly BunitContext _ctx = new();

    /// <summary>Takes pushed numbers in batches; each turn waits on <see cref="Gate"/>, as a busy circuit would.</summary>
    sealed class SlowBatches : LiveComponent
    {
        [Parameter] public Func<Func<int, Task>, IDisposable> Subscribe { get; set; } = default!;
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<int> Seen { get; } = [];

        protected override void OnInitialized() => ListenInBatches<int>(Subscribe, async batch =>
        {
            Seen.AddRange(batch);
            await Gate.Task;
        });
    }

    [Fact]
    public async Task Given_a_board_whose_circuit_is_busy_When_changes_are_published_Then_the_feed_goes_on_and_the_board_gets_each_once_in_order()
    {
        Func<int, Task>? publish = null;
        var cut = _ctx.Render<SlowBatches>(p => p.Add(c => c.Subscribe, handler =>
        {
            publish = handler;
            return new Unsubscribe();
        }));

        // The first change starts a turn that does not end until the gate opens; the feed is not kept waiting for it,
        // nor for the changes after it.
        var handed = Enumerable.Range(1, 50).Select(i => publish!(i)).ToList();
        Assert.All(handed, turn => Assert.True(turn.IsCompleted));

        cut.Instance.Gate.SetResult();
        await cut.InvokeAsync(() => { });
        cut.WaitForAssertion(() => Assert.Equal(Enumerable.Range(1, 50), cut.Instance.Seen), TimeSpan.FromSeconds(10));
    }

    sealed class Unsubscribe : IDisposable
    {
        public void Dispose() { }
    }

    public void Dispose() => _ctx.Dispose();
}
