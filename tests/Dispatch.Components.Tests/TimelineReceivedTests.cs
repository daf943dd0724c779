using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Server.Components.Shared;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>
/// A step a phone sent from its offline queue reads on the timeline with both times: when the crew did it (the line's
/// time) and when it reached the centre ("received …"); a step that came at once shows one time only.
/// </summary>
public sealed class TimelineReceivedTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    [Fact]
    public void Given_a_note_made_offline_at_10_02_and_received_at_10_15_when_the_timeline_shows_it_then_both_times_are_on_its_line()
    {
        // 10:02 and 10:15 in the demo city's zone (UTC+8).
        var done = new DateTimeOffset(2026, 12, 6, 2, 2, 0, TimeSpan.Zero);
        TimelineEntry[] entries =
        [
            new(5, "ProgressNoted", done, "dh-04.unit", "urban-management", "地下车库无信号") { ReceivedAt = done.AddMinutes(13) },
            new(6, "ProgressNoted", done.AddMinutes(14), "dh-04.unit", "urban-management", "到达现场"),
        ];

        var cut = Ctx.Render<TimelineView>(p => p.Add(v => v.Entries, entries));

        var lines = cut.FindAll("li.timeline-entry");
        Assert.Contains("10:02:00", lines[0].QuerySelector(".timeline-time")!.TextContent);
        Assert.Equal("received 10:15:00", lines[0].QuerySelector("[data-testid=timeline-received]")!.TextContent);
        Assert.Null(lines[1].QuerySelector("[data-testid=timeline-received]"));
    }
}
