using System.Net;
using System.Text.Json.Nodes;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Lifecycle;

/// <summary>
/// Every way a command can be wrong: 400 names the field, 404 an unknown incident or action, 422 the rule that
/// refused it. None of them writes anything.
/// </summary>
public sealed class CommandErrorTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task Acknowledging_an_unassigned_incident_is_refused_with_the_rule()
    {
        var incident = await app.Client().Accepted();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "acknowledge", new { department = Steps.Department });

            var detail = await response.Refusal("acknowledge.unassigned");
            Assert.Contains(incident.Number, detail);
            Assert.Contains("not assigned", detail);
        });
    }

    [Fact]
    public async Task Closing_an_incident_that_is_not_resolved_is_refused_with_the_rule()
    {
        var incident = await app.Client().Acknowledged();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "close");

            var detail = await response.Refusal("close.not-resolved");
            Assert.Contains(incident.Number, detail);
        });
    }

    [Fact]
    public async Task Closing_before_the_citizen_was_called_back_is_refused_with_the_rule()
    {
        var incident = await app.Client().Resolved();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "close");

            await response.Refusal("close.no-callback");
        });
    }

    /// <summary>A step that is not allowed where the incident is; the rule's code.</summary>
    public static TheoryData<string, string, string, string> RefusedSteps => new()
    {
        // given state, action, body (JSON), refusal code
        { "reported", "assign", """{"department":"water"}""", "assign.not-accepted" },
        { "accepted", "accept", "{}", "accept.not-new" },
        { "assigned", "assign", """{"department":"urban-management"}""", "assign.same-department" },
        { "assigned", "acknowledge", """{"department":"water"}""", "acknowledge.wrong-department" },
        { "acknowledged", "acknowledge", """{"department":"urban-management"}""", "acknowledge.already" },
        { "acknowledged", "assign", """{"department":"water"}""", "assign.being-handled" },
        { "acknowledged", "return", """{"department":"water","reason":"不归我管"}""", "return.wrong-department" },
        { "acknowledged", "resolve", """{"department":"water","resolution":"好了"}""", "resolve.wrong-department" },
        { "acknowledged", "progress", """{"department":"water","note":"进行中"}""", "progress.wrong-department" },
        { "acknowledged", "reopen", """{"reason":"没修好"}""", "reopen.not-finished" },
        { "acknowledged", "callback", """{"satisfaction":3}""", "callback.not-resolved" },
        { "assigned", "progress", """{"department":"urban-management","note":"进行中"}""", "progress.not-handling" },
        { "assigned", "resolve", """{"department":"urban-management","resolution":"好了"}""", "resolve.not-acknowledged" },
        { "accepted", "return", """{"department":"urban-management","reason":"不归我管"}""", "return.not-assigned" },
        { "resolved", "resolve", """{"department":"urban-management","resolution":"好了"}""", "resolve.already" },
        { "resolved", "cancel", """{"reason":"invalid"}""", "cancel.resolved" },
        { "resolved", "assign", """{"department":"water"}""", "assign.resolved" },
        { "resolved", "acknowledge", """{"department":"urban-management"}""", "acknowledge.resolved" },
        { "accepted", "cancel", """{"reason":"duplicate"}""", "cancel.duplicate-of" },
        { "accepted", "progress", """{"department":"urban-management","note":"进行中"}""", "progress.not-handling" },
        { "closed", "accept", "{}", "incident.closed" },
        { "closed", "callback", """{"satisfaction":5}""", "incident.closed" },
        { "cancelled", "accept", "{}", "incident.cancelled" },
        { "cancelled", "reopen", """{"reason":"搞错了"}""", "incident.cancelled" },
    };

    [Theory]
    [MemberData(nameof(RefusedSteps))]
    public async Task A_step_the_rules_do_not_allow_is_refused_with_the_rule_s_code_and_writes_nothing(
        string given, string action, string body, string code)
    {
        var incident = await Given(given);

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().PostRaw($"/api/incidents/{incident.Id}/{action}", body);

            var detail = await response.Refusal(code);
            Assert.DoesNotContain("{0}", detail);
        });
    }

    async Task<Accepted> Given(string state)
    {
        var client = app.Client();
        return state switch
        {
            "reported" => await client.Reported(),
            "accepted" => await client.Accepted(),
            "assigned" => await client.Assigned(),
            "acknowledged" => await client.Acknowledged(),
            "resolved" => await client.Resolved(),
            "closed" => await client.Closed(),
            "cancelled" => await Cancelled(client),
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };

        static async Task<Accepted> Cancelled(HttpClient client)
        {
            var incident = await client.Reported();
            return await client.CommandOk(incident.Id, "cancel", new { reason = "invalid" });
        }
    }

    [Fact]
    public async Task A_command_on_an_unknown_incident_is_not_found_and_starts_no_stream()
    {
        var unknown = Guid.NewGuid();

        await app.WritesNothing(unknown, async () =>
        {
            using var response = await app.Client().Command(unknown, "accept");

            var problem = await response.Problem(HttpStatusCode.NotFound);
            Assert.Contains(unknown.ToString(), problem.GetProperty("detail").GetString());
        });
        Assert.Null(await app.StreamVersion(unknown));
    }

    [Fact]
    public async Task A_command_with_an_expected_version_on_an_unknown_incident_is_not_found()
    {
        var unknown = Guid.NewGuid();

        await app.WritesNothing(unknown, async () =>
        {
            using var response = await app.Client().Command(unknown, "assign", new { department = "water", expectedVersion = 2 });

            await response.Problem(HttpStatusCode.NotFound);
        });
        Assert.Null(await app.StreamVersion(unknown));
    }

    [Theory]
    [InlineData("teleport")]
    [InlineData("delete")]
    public async Task An_unknown_action_is_not_found_and_writes_nothing(string action)
    {
        var incident = await app.Client().Accepted();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, action, new { department = "water" });

            var problem = await response.Problem(HttpStatusCode.NotFound);
            Assert.Contains(action, problem.GetProperty("detail").GetString());
        });
    }

    [Fact]
    public async Task Actions_are_matched_without_regard_to_case()
    {
        var incident = await app.Client().Reported();

        var accepted = await app.Client().CommandOk(incident.Id, "Accept");

        Assert.Equal(incident.Version + 1, accepted.Version);
    }

    /// <summary>Action, body (JSON), the fields the 400 must name.</summary>
    public static TheoryData<string, string, string[]> BadCommandFields => new()
    {
        { "assign", """{"department":"ministry-of-magic"}""", ["department"] },
        { "assign", "{}", ["department"] },
        { "assign", """{"department":"   "}""", ["department"] },
        { "acknowledge", """{"department":"nobody"}""", ["department"] },
        { "progress", """{"department":"urban-management"}""", ["note"] },
        { "return", """{"department":"urban-management","reason":" "}""", ["reason"] },
        { "resolve", """{"department":"nobody"}""", ["department", "resolution"] },
        { "callback", """{"satisfaction":0}""", ["satisfaction"] },
        { "callback", """{"satisfaction":6}""", ["satisfaction"] },
        { "callback", "{}", ["satisfaction"] },
        { "reopen", "{}", ["reason"] },
        { "cancel", """{"reason":"bored"}""", ["reason"] },
        { "cancel", """{"reason":"0"}""", ["reason"] },
        { "locate", """{"lat":91,"lon":200}""", ["lat", "lon"] },
        { "locate", "{}", ["lat", "lon"] },
        { "assign", """{"department":"water","expectedVersion":"abc"}""", ["expectedVersion"] },
        { "callback", """{"satisfaction":"very"}""", ["satisfaction"] },
        { "assign", "this is not json", ["body"] },
        { "assign", "{\"department\": \"water\",", ["body"] },
    };

    [Theory]
    [MemberData(nameof(BadCommandFields))]
    public async Task A_command_with_bad_fields_is_refused_naming_each_field_and_writes_nothing(string action, string body, string[] fields)
    {
        var incident = await app.Client().Accepted();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().PostRaw($"/api/incidents/{incident.Id}/{action}", body);

            Assert.Equal(fields.Order(), (await response.FieldErrors()).Keys.Order());
        });
    }

    /// <summary>See IntakeValidationTests: a syntax error inside a value is the body's fault.</summary>
    [Fact]
    public async Task A_command_body_that_breaks_off_inside_a_value_is_refused_naming_the_body_not_the_field()
    {
        var incident = await app.Client().Accepted();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().PostRaw($"/api/incidents/{incident.Id}/assign", "{\"department\":");

            Assert.Equal(["body"], (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task A_note_longer_than_2000_characters_is_refused_naming_the_note()
    {
        var incident = await app.Client().Acknowledged();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "progress",
                new { department = Steps.Department, note = new string('n', 2001) });

            Assert.Equal(["note"], (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task Unknown_fields_in_a_command_body_are_ignored()
    {
        var incident = await app.Client().Reported();

        var accepted = await app.Client().CommandOk(incident.Id, "accept", new JsonObject { ["shoeSize"] = 43 });

        Assert.Equal(incident.Version + 1, accepted.Version);
    }
}
