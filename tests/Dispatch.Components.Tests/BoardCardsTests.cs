using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Incidents;

namespace Dispatch.Components.Tests;

/// <summary>How the board applies pushed cards: by id, newest version wins, closed ones leave.</summary>
public sealed class BoardCardsTests
{
    static readonly DateTimeOffset Morning = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);

    static IncidentCard Card(string number, long version = 1, Urgency urgency = Urgency.Normal, int minutesAfter = 0,
        IncidentState state = IncidentState.Reported, bool open = true, Guid? id = null) => new()
    {
        Id = id ?? Guid.NewGuid(), Number = number, Version = version, Urgency = urgency, State = state, IsOpen = open,
        ReportedAt = Morning.AddMinutes(minutesAfter), Category = "noise",
    };

    [Fact]
    public void Given_a_loaded_board_with_a_repeated_card_When_hundreds_arrive_and_some_leave_Then_each_is_found_by_id_once()
    {
        // The board keeps its cards in id order (binary search, no dictionary): loads, inserts and removals keep that order.
        var board = new BoardCards();
        var first = Enumerable.Range(0, 300).Select(i => Card($"a{i:0000}", minutesAfter: i)).ToList();
        board.Load([.. first, first[7] with { Version = 2, State = IncidentState.Accepted }]);
        var more = Enumerable.Range(0, 500).Select(i => Card($"b{i:0000}", minutesAfter: 300 + i)).ToList();
        foreach (var card in more) Assert.True(board.Apply(card));
        var closing = first.Skip(100).Take(50).ToList();
        foreach (var card in closing) Assert.True(board.Apply(card with { Version = 9, IsOpen = false, State = IncidentState.Closed }));

        Assert.Equal(750, board.Total);
        // The repeated card once, at its newest version.
        Assert.Equal(IncidentState.Accepted, board.Find(first[7].Id)!.State);
        Assert.Equal(1, board.Count(IncidentState.Accepted));
        Assert.All(more, c => Assert.Same(c, board.Find(c.Id)));
        Assert.All(closing, c => Assert.Null(board.Find(c.Id)));
        Assert.Equal(750, board.View.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Given_a_card_When_a_newer_version_arrives_Then_it_replaces_it_and_an_older_one_is_ignored()
    {
        var board = new BoardCards();
        var v2 = Card("0001", version: 2);
        board.Load([v2]);

        Assert.False(board.Apply(v2 with { Version = 1, State = IncidentState.Closed }));
        Assert.True(board.Apply(v2 with { Version = 3, State = IncidentState.Accepted }));

        Assert.Equal(IncidentState.Accepted, Assert.Single(board.View).State);
    }

    [Fact]
    public void Given_a_card_When_it_closes_Then_it_leaves_and_a_late_older_push_does_not_bring_it_back()
    {
        var board = new BoardCards();
        var card = Card("0001", version: 2);
        board.Load([card]);

        Assert.True(board.Apply(card with { Version = 5, IsOpen = false, State = IncidentState.Cancelled }));
        Assert.False(board.Apply(card with { Version = 4 }));
        Assert.Empty(board.View);

        // Reopened later: back on the board.
        Assert.True(board.Apply(card with { Version = 6, State = IncidentState.Accepted, Reopened = true }));
        Assert.Single(board.View);
    }

    [Fact]
    public void Given_cards_When_viewed_Then_the_most_urgent_come_first_and_among_equals_the_longest_waiting()
    {
        var board = new BoardCards();
        board.Load([
            Card("late-normal", urgency: Urgency.Normal, minutesAfter: 30),
            Card("critical", urgency: Urgency.Critical, minutesAfter: 50),
            Card("early-normal", urgency: Urgency.Normal, minutesAfter: 10),
            Card("low", urgency: Urgency.Low, minutesAfter: 0),
        ]);

        Assert.Equal(["critical", "early-normal", "late-normal", "low"], board.View.Select(c => c.Number));
    }

    [Fact]
    public void Given_a_board_in_order_When_pushes_change_urgencies_and_add_and_close_cards_Then_the_view_stays_in_order_in_place()
    {
        // The unfiltered view is the board's own list, kept in order by each push (no sort per render, no copy per push).
        var board = new BoardCards();
        var cards = Enumerable.Range(0, 200).Select(i => Card($"{i:0000}", urgency: (Urgency)(1 + i % 4), minutesAfter: i % 7)).ToList();
        board.Load(cards);
        var view = board.View;

        var random = new Random(7);
        var current = cards.ToDictionary(c => c.Id);
        for (var i = 0; i < 400; i++)
        {
            var card = current.Values.ElementAt(random.Next(current.Count));
            var next = (i % 10) switch
            {
                0 => card with { Version = card.Version + 1, IsOpen = false, State = IncidentState.Closed },
                1 => Card($"n{i:0000}", urgency: (Urgency)(1 + random.Next(4)), minutesAfter: random.Next(7)),
                _ => card with { Version = card.Version + 1, Urgency = (Urgency)(1 + random.Next(4)) },
            };
            Assert.True(board.Apply(next));
            if (next.IsOpen) current[next.Id] = next;
            else current.Remove(next.Id);
        }

        Assert.Same(view, board.View);
        var expected = current.Values.OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ThenBy(c => c.Number, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(c => (c.Id, c.Version)), board.View.Select(c => (c.Id, c.Version)));
        Assert.All(expected, c => Assert.Same(c, board.Find(c.Id)));
    }

    [Fact]
    public void Given_filters_When_set_Then_the_view_narrows_while_the_counts_per_state_stay_whole()
    {
        var board = new BoardCards();
        board.Load([
            Card("a", state: IncidentState.Reported, urgency: Urgency.High),
            Card("b", state: IncidentState.Reported, urgency: Urgency.Low),
            Card("c", state: IncidentState.Accepted, urgency: Urgency.High),
            Card("closed", state: IncidentState.Closed, open: false),
        ]);

        board.State = IncidentState.Reported;
        Assert.Equal(["a", "b"], board.View.Select(c => c.Number));
        board.Urgency = Urgency.High;
        Assert.Equal(["a"], board.View.Select(c => c.Number));

        Assert.Equal(3, board.Total);
        Assert.Equal(2, board.Count(IncidentState.Reported));
        Assert.Equal(1, board.Count(IncidentState.Accepted));
        Assert.True(board.Filtered);
    }

    [Fact]
    public void Given_deadlines_When_time_passes_Then_the_overdue_filter_and_count_follow_and_my_queue_keeps_my_centre()
    {
        var clock = new ManualClock(Morning);
        var board = new BoardCards(clock) { QueueCentres = new HashSet<string> { "demo/dh/dh-01" } };
        var soon = Card("0001") with
        {
            CentrePath = "demo/dh/dh-01", Level = CommandLevel.Town, DeadlineFrom = Morning, DeadlineDue = Morning.AddMinutes(30),
        };
        var later = Card("0002") with { CentrePath = "demo/dh", Level = CommandLevel.District, DeadlineFrom = Morning, DeadlineDue = Morning.AddHours(2) };
        var none = Card("0003") with { CentrePath = "demo/dh/dh-01" };
        board.Load([soon, later, none]);

        board.Overdue = true;
        Assert.Empty(board.View);
        Assert.Equal(0, board.OverdueCount);
        Assert.Equal(Morning.AddMinutes(30), board.NextDeadline());

        clock.Advance(TimeSpan.FromMinutes(30));
        board.TimePassed();

        Assert.Equal("0001", Assert.Single(board.View).Number);
        Assert.Equal(1, board.OverdueCount);
        Assert.Equal(Morning.AddHours(2), board.NextDeadline());

        board.Overdue = false;
        board.MyQueue = true;
        Assert.Equal(["0001", "0003"], board.View.Select(c => c.Number).Order());
        Assert.Equal(2, board.QueueCount);
        Assert.True(board.Filtered);
    }

    [Fact]
    public void Given_a_filtered_board_with_deadlines_When_thousands_of_pushes_and_hours_pass_Then_every_count_and_view_is_what_a_fresh_count_gives()
    {
        // A push costs what it changed: the counts, the next deadline and the filtered view are kept up, not counted anew.
        // Here each of them is compared with a count over the whole board after every step.
        var clock = new ManualClock(Morning);
        string[] centres = ["demo/dh", "demo/dh/dh-01", "demo/xh"];
        var board = new BoardCards(clock) { QueueCentres = new HashSet<string> { "demo/dh/dh-01" } };
        var random = new Random(15);
        IncidentCard RandomVersion(IncidentCard? from)
        {
            var due = random.Next(3) == 0 ? (DateTimeOffset?)null : clock.GetUtcNow().AddMinutes(random.Next(-30, 240));
            var card = from ?? Card($"{random.Next(100_000):00000}", minutesAfter: random.Next(600));
            return card with
            {
                Version = card.Version + 1, Urgency = (Urgency)(1 + random.Next(4)), State = BoardCards.OpenStates[random.Next(5)],
                CentrePath = centres[random.Next(3)], DeadlineFrom = due?.AddHours(-1), DeadlineDue = due,
                Category = random.Next(2) == 0 ? "noise" : "water",
            };
        }
        var current = new Dictionary<Guid, IncidentCard>();
        foreach (var card in Enumerable.Range(0, 300).Select(_ => RandomVersion(null))) current[card.Id] = card;
        board.Load(current.Values);
        var countedAt = clock.GetUtcNow();

        for (var step = 0; step < 3_000; step++)
        {
            switch (step % 500)
            {
                case 100: board.Overdue = true; break;
                case 200: board.MyQueue = true; board.Overdue = false; break;
                case 300: board.Category = "water"; board.Urgency = Urgency.High; break;
                case 400: board.State = IncidentState.Assigned; break;
                case 0: board.State = null; board.Category = null; board.Urgency = null; board.MyQueue = false; break;
            }
            // Time moves on; the deadline timer (TimePassed) comes only now and then, so cards also arrive whose deadline
            // ran out since the last count.
            clock.Advance(TimeSpan.FromSeconds(random.Next(60)));
            if (random.Next(20) == 0)
            {
                board.TimePassed();
                countedAt = clock.GetUtcNow();
            }
            var known = current.Count > 0 && random.Next(4) > 0 ? current.Values.ElementAt(random.Next(current.Count)) : null;
            var next = RandomVersion(known);
            var leaves = known is not null && random.Next(6) == 0;
            var visible = !leaves || random.Next(2) == 0;
            if (leaves && visible) next = next with { IsOpen = false, State = IncidentState.Closed };
            Assert.True(board.Apply(next, visible));
            if (leaves) current.Remove(next.Id);
            else current[next.Id] = next;

            var cards = current.Values.ToList();
            bool Overdue(IncidentCard c) => c.DeadlineDue <= countedAt;
            foreach (var state in BoardCards.OpenStates) Assert.Equal(cards.Count(c => c.State == state), board.Count(state));
            Assert.Equal(cards.Count(c => c.CentrePath == "demo/dh/dh-01"), board.QueueCount);
            Assert.Equal(cards.Count(Overdue), board.OverdueCount);
            Assert.Equal(cards.Where(c => c.DeadlineDue > countedAt).Min(c => c.DeadlineDue), board.NextDeadline());
            var shown = cards
                .Where(c => (board.State is null || c.State == board.State) && (board.Category is null || c.Category == board.Category) &&
                            (board.Urgency is null || c.Urgency == board.Urgency) && (!board.MyQueue || c.CentrePath == "demo/dh/dh-01") &&
                            (!board.Overdue || Overdue(c)))
                .OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ThenBy(c => c.Number, StringComparer.Ordinal).ThenBy(c => c.Id);
            Assert.Equal(shown.Select(c => (c.Id, c.Version)), board.View.Select(c => (c.Id, c.Version)));
        }
        Assert.True(board.Total > 100);
    }
}
