using System.Net;
using System.Text.Json.Nodes;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Intake;

/// <summary>A bad report is a 400 that names each bad field, and nothing is written.</summary>
public sealed class IntakeValidationTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    /// <summary>Field to change, its new value as JSON (null: remove it), the field the 400 must name.</summary>
    public static TheoryData<string, string?, string> BadFields => new()
    {
        { "category", null, "category" },
        { "category", "\"\"", "category" },
        { "category", "\"volcano-eruption\"", "category" },
        { "lat", "91", "lat" },
        { "lat", "-90.0001", "lat" },
        { "lon", "-181", "lon" },
        { "lon", "180.5", "lon" },
        { "lat", "\"abc\"", "lat" },
        // Issue 19: a pair typed into one field, two numbers run together, and numbers no coordinate can be.
        { "lat", "\"31.233121.4768\"", "lat" },
        { "lat", "\"31.2331, 121.4768\"", "lat" },
        { "lon", "\"121.4768 31.2331\"", "lon" },
        { "lat", "\"NaN\"", "lat" },
        { "lon", "\"Infinity\"", "lon" },
        { "lat", "1e309", "lat" },
        { "lon", "-1e309", "lon" },
        { "lat", "\"\"", "lat" },
        { "lat", "[31.2331, 121.4768]", "lat" },
        { "lon", "null", "lon" },
        { "callerPhone", "\"12345\"", "callerPhone" },
        { "callerPhone", "\"138-1234-567x\"", "callerPhone" },
        { "channel", "\"fax\"", "channel" },
        { "channel", "\"1\"", "channel" },
        { "channel", null, "channel" },
        { "description", null, "description" },
        { "description", "\"   \"", "description" },
        { "urgency", "0", "urgency" },
        { "urgency", "5", "urgency" },
        { "urgency", null, "urgency" },
        { "urgency", "\"high\"", "urgency" },
        { "callerName", "\"王\\u0007女士\"", "callerName" },
        { "address", "\"人民路\\u0000128号\"", "address" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public async Task A_report_with_a_bad_field_is_refused_naming_that_field(string field, string? json, string named)
    {
        var report = Api.Report();
        if (json is null) report.Remove(field);
        else report[field] = JsonNode.Parse(json);

        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostReport(report);

            var errors = await response.FieldErrors();
            Assert.Equal([named], errors.Keys);
            Assert.All(errors[named], m => Assert.False(string.IsNullOrWhiteSpace(m)));
        });
    }

    [Fact]
    public async Task A_50_KB_description_is_refused_naming_the_description()
    {
        var report = Api.Report(description: new string('x', 50 * 1024));

        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostReport(report);

            var errors = await response.FieldErrors();
            Assert.Equal(["description"], errors.Keys);
        });
    }

    [Fact]
    public async Task A_description_of_exactly_2000_characters_is_accepted()
    {
        var created = await app.Client().ReportOk(Api.Report(description: new string('路', 2000)));

        var (reported, _) = await app.IntakeEvents<IncidentPlaced>(created.Id);
        Assert.Equal(2000, reported.Description.Length);
    }

    [Fact]
    public async Task A_report_without_address_or_coordinates_is_refused_naming_the_address()
    {
        var report = Api.Report();
        report.Remove("lat");
        report.Remove("lon");
        report.Remove("address");

        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostReport(report);

            Assert.Equal(["address"], (await response.FieldErrors()).Keys);
        });
    }

    [Theory]
    [InlineData("{\"channel\": \"hotline\", ")]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    public async Task A_malformed_body_is_refused_naming_the_body(string body)
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostRaw("/api/incidents", body);

            Assert.Equal(["body"], (await response.FieldErrors()).Keys);
        });
    }

    /// <summary>
    /// A JSON syntax error inside a value is the body's fault, not the field's: only a value of the wrong type
    /// ("lat": "abc") names its field.
    /// </summary>
    [Theory]
    [InlineData("{\"channel\": ")]
    [InlineData("{\"description\": \"路面塌陷")]
    [InlineData("{\"lat\": 31.2x, \"lon\": 121.4}")]
    public async Task A_body_that_breaks_off_inside_a_value_is_refused_naming_the_body_not_the_field(string body)
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostRaw("/api/incidents", body);

            Assert.Equal(["body"], (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task An_empty_body_is_refused_naming_the_body()
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostAsync("/api/incidents", new StringContent("", null, "application/json"));

            Assert.Equal(["body"], (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task Several_bad_fields_are_all_named_at_once()
    {
        var report = Api.Report(description: new string('x', 2001));
        report.Remove("category");
        report["lat"] = 91;
        report["lon"] = -181;
        report["callerPhone"] = "12345";
        report["channel"] = "fax";
        report["urgency"] = 9;

        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostReport(report);

            var errors = await response.FieldErrors();
            Assert.Equal(
                new[] { "callerPhone", "category", "channel", "description", "lat", "lon", "urgency" },
                errors.Keys.Order());
        });
    }

    [Fact]
    public async Task An_idempotency_key_longer_than_200_characters_is_refused_naming_it()
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostReport(Api.Report(), idempotencyKey: new string('k', 201));

            Assert.Equal(["idempotencyKey"], (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task A_body_over_256_KB_is_refused_as_too_large()
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostReport(Api.Report(description: new string('x', 300 * 1024)));

            await response.Problem(HttpStatusCode.RequestEntityTooLarge);
        });
    }

    [Fact]
    public async Task Field_errors_are_in_the_reader_s_language()
    {
        var report = Api.Report();
        report.Remove("category");

        using var zh = await app.Client(language: "zh-CN").PostReport(report);
        using var en = await app.Client(language: "en").PostReport(report);

        Assert.Equal(["请选择事件类别。"], (await zh.FieldErrors())["category"]);
        Assert.Equal(["Choose a category."], (await en.FieldErrors())["category"]);
    }
}
