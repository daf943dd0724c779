namespace Dispatch.Components.Tests.Infrastructure;

public static class Waits
{
    /// <summary>How long a push may take to arrive: commit → NOTIFY → listener → fan-out → render. Generous for CI.</summary>
    public static readonly TimeSpan Push = TimeSpan.FromSeconds(15);
}
