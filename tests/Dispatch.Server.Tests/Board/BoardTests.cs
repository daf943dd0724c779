using System.Text.Json;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Board;

/// <summary>GET /api/board: the open incidents, most urgent first, filterable by state, category and urgency.</summary>
public sealed class BoardTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static Guid Id(JsonElement card) => card.GetProperty("id").GetGuid();

    [Fact]
    public async Task The_board_lists_open_incidents_most_urgent_first_then_oldest_first()
    {
        var low = await app.Client().ReportOk(Api.Report(urgency: 1));
        var critical = await app.Client().ReportOk(Api.Report(urgency: 4));
        var normalOld = await app.Client().ReportOk(Api.Report(urgency: 2));
        var normalNew = await app.Client().ReportOk(Api.Report(urgency: 2));

        var board = (await app.Client().GetJson("/api/board")).EnumerateArray().ToList();

        var ours = board.Select(Id).Where(new[] { low.Id, critical.Id, normalOld.Id, normalNew.Id }.Contains).ToList();
        Assert.Equal([critical.Id, normalOld.Id, normalNew.Id, low.Id], ours);
        var keys = board.Select(c => (Urgency: Enum.Parse<Dispatch.Domain.Incidents.Urgency>(c.GetProperty("urgency").GetString()!),
            At: c.GetProperty("reportedAt").GetDateTimeOffset())).ToList();
        Assert.Equal(keys.OrderByDescending(k => k.Urgency).ThenBy(k => k.At), keys);
    }

    [Fact]
    public async Task The_board_shows_only_open_incidents()
    {
        var open = await app.Client().Acknowledged();
        var closed = await app.Client().Closed();
        var cancelled = await app.Client().Reported();
        await app.Client().CommandOk(cancelled.Id, "cancel", new { reason = "invalid" });

        var board = (await app.Client().GetJson("/api/board")).EnumerateArray().ToList();

        Assert.Contains(board, c => Id(c) == open.Id);
        Assert.DoesNotContain(board, c => Id(c) == closed.Id);
        Assert.DoesNotContain(board, c => Id(c) == cancelled.Id);
        Assert.All(board, c => Assert.True(c.GetProperty("isOpen").GetBoolean()));
    }

    [Fact]
    public async Task The_board_filters_by_state()
    {
        var reported = await app.Client().Reported();
        var assigned = await app.Client().Assigned();

        var board = (await app.Client().GetJson("/api/board?state=assigned")).EnumerateArray().ToList();

        Assert.Contains(board, c => Id(c) == assigned.Id);
        Assert.DoesNotContain(board, c => Id(c) == reported.Id);
        Assert.All(board, c => Assert.Equal("Assigned", c.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task The_board_filters_by_category_and_urgency()
    {
        var match = await app.Client().ReportOk(Api.Report(category: "noise", urgency: 3));
        var otherCategory = await app.Client().ReportOk(Api.Report(category: "garbage", urgency: 3));
        var otherUrgency = await app.Client().ReportOk(Api.Report(category: "noise", urgency: 1));

        var board = (await app.Client().GetJson("/api/board?category=noise&urgency=High")).EnumerateArray().ToList();

        Assert.Contains(board, c => Id(c) == match.Id);
        Assert.DoesNotContain(board, c => Id(c) == otherCategory.Id);
        Assert.DoesNotContain(board, c => Id(c) == otherUrgency.Id);
        Assert.All(board, c => Assert.Equal(("noise", "High"),
            (c.GetProperty("category").GetString(), c.GetProperty("urgency").GetString())));
    }

    [Fact]
    public async Task A_long_description_is_summarised_on_the_card_and_kept_whole_in_the_detail()
    {
        var description = new string('长', 300);
        var incident = await app.Client().ReportOk(Api.Report(description));

        var card = (await app.Client().GetJson("/api/board")).EnumerateArray().Single(c => Id(c) == incident.Id);

        Assert.Equal(new string('长', 120) + "…", card.GetProperty("summary").GetString());
        Assert.Equal(description, (await app.Client().Detail(incident.Id)).GetProperty("description").GetString());
    }

    [Fact]
    public async Task The_city_lists_its_categories_and_departments()
    {
        var city = await app.Client().GetJson("/api/city");

        Assert.Contains(city.GetProperty("categories").EnumerateArray(), c => c.GetProperty("code").GetString() == "road-damage");
        Assert.Contains(city.GetProperty("departments").EnumerateArray(), c => c.GetProperty("code").GetString() == "urban-management");
        var streetOffice = city.GetProperty("departments").EnumerateArray().Single(c => c.GetProperty("code").GetString() == "street-office");
        Assert.Equal(["town"], streetOffice.GetProperty("levels").EnumerateArray().Select(l => l.GetString()));
    }
}
