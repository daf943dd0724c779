using System.Net;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Duplicates;

/// <summary>
/// Merging a duplicate into the incident open for the same matter, and unmerging it, through the API: both streams
/// change in one transaction (or neither does), both boards hear of it, and the target lists every caller.
/// </summary>
public sealed class DuplicateMergeTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Category = "garbage";
    const string FirstPhone = "13811112222", SecondPhone = "13933334444";

    static string[] Kinds(JsonElement detail) =>
        [.. detail.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()!)];

    static List<(string Number, string? Name, string? Phone)> Callers(JsonElement detail) =>
        [.. detail.GetProperty("callers").EnumerateArray().Select(c =>
            (c.GetProperty("number").GetString()!, c.GetProperty("name").GetString(), c.GetProperty("phone").GetString()))];

    /// <summary>Asserts that <paramref name="act"/> writes nothing to either incident.</summary>
    async Task WritesNothingToEither(Guid a, Guid b, Func<Task> act) =>
        await app.WritesNothing(a, () => app.WritesNothing(b, act));

    [Fact]
    public async Task A_merge_writes_both_incidents_in_one_go_and_the_target_lists_every_caller()
    {
        var client = app.Client();
        var target = await client.Accepted(Api.Report(category: Category, callerPhone: FirstPhone));
        var duplicate = await client.Reported(Api.Report(category: Category, callerPhone: SecondPhone, description: "小区门口垃圾三天没人收"));
        await using var board = await BoardClient.Connect(app);

        var merged = await client.CommandOk(duplicate.Id, "merge", new { into = target.Id, expectedVersion = duplicate.Version });

        Assert.Equal(duplicate.Version + 1, merged.Version);
        Assert.Equal(duplicate.Version + 1, await app.StreamVersion(duplicate.Id));
        Assert.Equal(target.Version + 1, await app.StreamVersion(target.Id));
        var mergedInto = Assert.IsType<IncidentMergedInto>((await app.Events(duplicate.Id))[^1].Data);
        Assert.Equal((target.Id, target.Number), (mergedInto.TargetId, mergedInto.TargetNumber));
        var reportMerged = Assert.IsType<IncidentReportMerged>((await app.Events(target.Id))[^1].Data);
        Assert.Equal((duplicate.Id, duplicate.Number, SecondPhone), (reportMerged.SourceId, reportMerged.SourceNumber, reportMerged.Caller.Phone));

        var source = await client.Detail(duplicate.Id);
        Assert.Equal("Merged", source.GetProperty("state").GetString());
        Assert.Equal(target.Number, source.GetProperty("mergedIntoNumber").GetString());
        Assert.Equal("MergedInto", Kinds(source)[^1]);
        var into = await client.Detail(target.Id);
        Assert.Equal("Accepted", into.GetProperty("state").GetString());
        Assert.Equal([(target.Number, "王女士", FirstPhone), (duplicate.Number, "王女士", SecondPhone)], Callers(into));
        Assert.Equal("ReportMerged", Kinds(into)[^1]);
        Assert.Contains("小区门口垃圾三天没人收", into.GetProperty("timeline").EnumerateArray().Last().GetProperty("text").GetString());

        // The duplicate leaves the board; the target stays. Both boards are told.
        Assert.False((await board.CardAt(duplicate.Id, merged.Version)).IsOpen);
        Assert.True((await board.CardAt(target.Id, target.Version + 1)).IsOpen);
        var open = (await client.GetJson("/api/board")).EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).ToList();
        Assert.DoesNotContain(duplicate.Id, open);
        Assert.Contains(target.Id, open);
    }

    [Fact]
    public async Task A_merge_into_another_category_is_refused_saying_so_and_writes_nothing_to_either()
    {
        var client = app.Client();
        var target = await client.Reported(Api.Report(category: "noise"));
        var duplicate = await client.Reported(Api.Report(category: Category));

        await WritesNothingToEither(duplicate.Id, target.Id, async () =>
        {
            using var response = await client.Command(duplicate.Id, "merge", new { into = target.Id });
            var detail = await response.Refusal("merge.other-category");
            Assert.Equal($"Incident {duplicate.Number} is about Garbage collection and {target.Number} about Noise: only reports of the same category are merged.", detail);
        });
    }

    [Fact]
    public async Task A_merge_into_a_closed_incident_into_itself_or_of_an_already_merged_one_is_refused_and_writes_nothing()
    {
        var client = app.Client();
        var closed = await client.Closed(report: Api.Report(category: Category));
        var open = await client.Reported(Api.Report(category: Category));
        var duplicate = await client.Reported(Api.Report(category: Category));

        await WritesNothingToEither(duplicate.Id, closed.Id, async () =>
        {
            using var response = await client.Command(duplicate.Id, "merge", new { into = closed.Id });
            Assert.Contains("Closed", await response.Refusal("merge.target-finished"));
        });
        await app.WritesNothing(duplicate.Id, async () =>
        {
            using var response = await client.Command(duplicate.Id, "merge", new { into = duplicate.Id });
            await response.Refusal("merge.self");
        });

        await client.CommandOk(duplicate.Id, "merge", new { into = open.Id });
        var another = await client.Reported(Api.Report(category: Category));
        await WritesNothingToEither(duplicate.Id, another.Id, async () =>
        {
            using var again = await client.Command(duplicate.Id, "merge", new { into = another.Id });
            await again.Refusal("merge.already");
        });
        // Nor does anything else happen to it while merged.
        await app.WritesNothing(duplicate.Id, async () =>
        {
            using var accept = await client.Command(duplicate.Id, "accept");
            Assert.Contains($"unmerge {duplicate.Number} first", await accept.Refusal("incident.merged"));
        });
    }

    [Fact]
    public async Task Two_people_merging_two_reports_into_each_other_at_once_end_with_one_merged_into_the_other()
    {
        var (alice, bob) = (app.Client("merger-alice"), app.Client("merger-bob"));
        for (var round = 0; round < 5; round++)
        {
            var a = await alice.Reported(Api.Report(category: Category));
            var b = await bob.Reported(Api.Report(category: Category));

            var responses = await Task.WhenAll(
                alice.Command(a.Id, "merge", new { into = b.Id }), bob.Command(b.Id, "merge", new { into = a.Id }));

            // The streams are locked in one order, so the second waits for the first and then finds it merged.
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity], responses.Select(r => r.StatusCode).Order());
            var states = new[] { (await app.Card(a.Id))!.State, (await app.Card(b.Id))!.State };
            Assert.Single(states, IncidentState.Merged);
            foreach (var response in responses) response.Dispose();
        }
    }

    [Fact]
    public async Task A_merge_names_an_incident_that_exists()
    {
        var client = app.Client();
        var duplicate = await client.Reported(Api.Report(category: Category));

        await app.WritesNothing(duplicate.Id, async () =>
        {
            using (var unknown = await client.Command(duplicate.Id, "merge", new { into = Guid.NewGuid() }))
                await unknown.Problem(HttpStatusCode.NotFound);
            using var missing = await client.Command(duplicate.Id, "merge", new { });
            Assert.Contains("into", (await missing.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task Unmerging_puts_the_duplicate_back_where_it_was_and_its_caller_leaves_the_target()
    {
        var client = app.Client();
        var target = await client.Reported(Api.Report(category: Category, callerPhone: FirstPhone));
        var duplicate = await client.Assigned(report: Api.Report(category: Category, callerPhone: SecondPhone));
        var merged = await client.CommandOk(duplicate.Id, "merge", new { into = target.Id });
        await using var board = await BoardClient.Connect(app);

        var unmerged = await client.CommandOk(duplicate.Id, "unmerge", new { expectedVersion = merged.Version });

        Assert.Equal(merged.Version + 1, unmerged.Version);
        var source = await client.Detail(duplicate.Id);
        Assert.Equal("Assigned", source.GetProperty("state").GetString());
        Assert.Equal(Steps.Department, source.GetProperty("leadDepartment").GetString());
        Assert.Equal(JsonValueKind.Null, source.GetProperty("mergedIntoNumber").ValueKind);
        Assert.Equal("Unmerged", Kinds(source)[^1]);
        var into = await client.Detail(target.Id);
        Assert.Equal([(target.Number, "王女士", FirstPhone)], Callers(into));
        Assert.Equal(["ReportMerged", "ReportUnmerged"], Kinds(into)[^2..]);
        var card = await board.CardAt(duplicate.Id, unmerged.Version);
        Assert.True(card.IsOpen);
        Assert.Equal(IncidentState.Assigned, card.State);
        await board.CardAt(target.Id, (await app.StreamVersion(target.Id))!.Value);

        // Its own incident again: the loop goes on, and a second unmerge is refused.
        await client.CommandOk(duplicate.Id, "acknowledge", new { department = Steps.Department });
        await app.WritesNothing(duplicate.Id, async () =>
        {
            using var again = await client.Command(duplicate.Id, "unmerge");
            await again.Refusal("unmerge.not-merged");
        });
    }

    [Fact]
    public async Task Call_takers_merge_in_their_scope_and_only_into_an_incident_they_may_read()
    {
        var scopes = new Scopes(app);
        var client = app.Client();
        var target = await client.Reported(Api.Report(category: Category));
        var duplicate = await client.Reported(Api.Report(category: Category));
        // Address only: held by the other district's centre, which the town cannot see.
        var elsewhereReport = Api.Report(category: Category);
        elsewhereReport.Remove("lat");
        elsewhereReport.Remove("lon");
        var elsewhere = await scopes.As(app, Role.CallTaker, Where.OtherDistrict, tag: "merge").ReportOk(elsewhereReport);

        await WritesNothingToEither(duplicate.Id, target.Id, async () =>
        {
            using var response = await scopes.As(app, Role.CallTaker, Where.OtherTown, tag: "merge").Command(duplicate.Id, "merge", new { into = target.Id });
            await response.Problem(HttpStatusCode.Forbidden);
        });
        var townDispatcher = scopes.As(app, Role.Dispatcher, Where.Town, tag: "merge");
        await WritesNothingToEither(duplicate.Id, elsewhere.Id, async () =>
        {
            using var response = await townDispatcher.Command(duplicate.Id, "merge", new { into = elsewhere.Id });
            await response.Problem(HttpStatusCode.Forbidden);
        });
        using (var leader = await scopes.As(app, Role.Leader, Where.City, tag: "merge").Command(duplicate.Id, "merge", new { into = target.Id }))
            await leader.Problem(HttpStatusCode.Forbidden);

        var townCallTaker = scopes.As(app, Role.CallTaker, Where.Town, tag: "merge");
        await townCallTaker.CommandOk(duplicate.Id, "merge", new { into = target.Id });
        await townCallTaker.CommandOk(duplicate.Id, "unmerge");
    }

    [Fact]
    public async Task Readers_who_see_callers_masked_see_every_merged_caller_masked_too()
    {
        var scopes = new Scopes(app);
        var client = app.Client();
        var target = await client.Reported(Api.Report(category: Category, callerPhone: FirstPhone));
        var duplicate = await client.Reported(Api.Report(category: Category, callerPhone: SecondPhone));
        await client.CommandOk(duplicate.Id, "merge", new { into = target.Id });

        var leader = scopes.As(app, Role.Leader, Where.City, tag: "callers");
        var masked = await leader.Detail(target.Id);
        var revealed = await leader.PostRaw($"/api/incidents/{target.Id}/caller/reveal", """{"reason":"市民投诉回访"}""");

        Assert.True(masked.GetProperty("callerMasked").GetBoolean());
        Assert.All(Callers(masked), c => Assert.DoesNotContain(c.Phone!, new[] { FirstPhone, SecondPhone }));
        Assert.All(Callers(masked), c => Assert.Equal("王**", c.Name));
        await revealed.ShouldBe(HttpStatusCode.OK);
        var body = JsonDocument.Parse(await revealed.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal([FirstPhone, SecondPhone], body.GetProperty("callers").EnumerateArray().Select(c => c.GetProperty("phone").GetString()));
    }
}
