using System.Diagnostics;
using Bunit;
using Microsoft.JSInterop.Infrastructure;

namespace Dispatch.Components.Tests.Infrastructure;

/// <summary>
/// One JavaScript function's calls, as something a test can await. bUnit records JS calls but wakes no waiter: a
/// WaitForAssertion is checked again only when something renders, and a call made in OnAfterRender, after the last
/// render, would never be seen (or is seen only if the test thread loses its race with the renderer). Each call here
/// is answered at once and wakes <see cref="Call"/>. Add it to the context before the component renders.
/// </summary>
public sealed class JSCalls : JSRuntimeInvocationHandler
{
    readonly string _identifier;
    readonly List<JSRuntimeInvocation> _made = [];
    readonly SemaphoreSlim _another = new(0);

    public JSCalls(string identifier, Func<JSRuntimeInvocation, bool>? which = null)
        : base(call => call.Identifier == identifier && (which is null || which(call)), isCatchAllHandler: false)
    {
        _identifier = identifier;
        SetVoidResult(); // every call is answered at once
    }

    /// <summary>How many calls were made so far.</summary>
    public int Count
    {
        get { lock (_made) return _made.Count; }
    }

    /// <summary>The <paramref name="n"/>th call (from 1), once it is made.</summary>
    public async Task<JSRuntimeInvocation> Call(int n, TimeSpan? timeout = null)
    {
        var within = timeout ?? Waits.Push;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            lock (_made)
                if (_made.Count >= n) return _made[n - 1];
            var left = within - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !await _another.WaitAsync(left))
                Assert.Fail($"{_identifier} was called {Count} times within {within.TotalSeconds:0} s, not {n}");
        }
    }

    protected override Task<IJSVoidResult> HandleAsync(JSRuntimeInvocation invocation)
    {
        lock (_made) _made.Add(invocation);
        _another.Release();
        return base.HandleAsync(invocation);
    }
}
