using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.City;
using Dispatch.Server.Command;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Command;

/// <summary>The command policy file: the shipped one loads; each kind of bad rule stops start-up, named.</summary>
public class CommandPolicyFileTests
{
    static readonly CityCatalog City = new(new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Root(), "src", "Dispatch.Server", "appsettings.json")).Build()
        .GetSection(CityOptions.Section).Get<CityOptions>()!);

    static string Root() => Infrastructure.RepoFiles.Root;

    const string Deadlines = """ "deadlines": [ { "category": "*", "acknowledge": "00:30:00", "resolve": "1.00:00:00" } ] """;

    static string WithRouting(string rules) => $$"""{ "routing": [ {{rules}} ], {{Deadlines}} }""";
    const string CatchAll = """{ "name": "everyday", "category": "*", "level": "town", "department": "urban-management" }""";

    [Fact]
    public void The_shipped_policy_loads_and_routes_the_demo_matters()
    {
        var policy = CommandPolicyFile.Load(Path.Combine(Root(), "src", "Dispatch.Server", CommandPolicyFile.DefaultFile), City);

        Assert.Equal(new Route(CommandLevel.City, "emergency", "gas-explosion"), policy.Routing.Route("gas-leak", Urgency.High, "楼道燃气味，疑似要爆炸"));
        Assert.Equal(CommandLevel.District, policy.Routing.Route("gas-leak", Urgency.Normal, "燃气味").Level);
        Assert.Equal(new Route(CommandLevel.Town, "urban-management", "everyday"), policy.Routing.Route("garbage", Urgency.Normal, "垃圾满溢"));
        Assert.Equal(TimeSpan.FromMinutes(30), policy.Deadlines.For("road-damage", Urgency.High).Acknowledge);
        Assert.Equal(TimeSpan.FromMinutes(5), policy.Deadlines.For("gas-leak", Urgency.Low).Acknowledge);
    }

    [Theory]
    [InlineData("""{ "name": "x", "category": "no-such", "level": "town", "department": "urban-management" }""", "routing rule 1 'x': unknown category 'no-such'")]
    [InlineData("""{ "name": "x", "category": "noise", "level": "province", "department": "urban-management" }""", "routing rule 1 'x': level must be town, district or city, not 'province'")]
    [InlineData("""{ "name": "x", "category": "noise", "level": "town", "department": "nobody" }""", "routing rule 1 'x': unknown department 'nobody'")]
    [InlineData("""{ "name": "x", "category": "noise", "level": "town", "department": "fire" }""", "routing rule 1 'x': department 'fire' does not exist at town level")]
    [InlineData("""{ "name": "x", "category": "noise", "minUrgency": 7, "level": "town", "department": "urban-management" }""", "routing rule 1 'x': minUrgency must be 1–4, not 7")]
    [InlineData("""{ "category": "noise", "level": "town", "department": "urban-management" }""", "routing rule 1 has no name")]
    [InlineData("""{ "name": "x", "category": "noise", "keywords": [""], "level": "town", "department": "urban-management" }""", "routing rule 1 'x': a keyword is empty")]
    public void A_bad_routing_rule_stops_start_up_naming_the_rule(string rule, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => CommandPolicyFile.Parse(WithRouting(rule + "," + CatchAll), City));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Routing_must_end_with_a_rule_that_catches_every_matter()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CommandPolicyFile.Parse(
            WithRouting("""{ "name": "noise", "category": "noise", "level": "town", "department": "urban-management" }"""), City));

        Assert.Contains("the last routing rule must catch every matter", error.Message);
    }

    [Theory]
    [InlineData("""{ "category": "*", "acknowledge": "-00:30:00", "resolve": "1.00:00:00" }""", "acknowledge must be a positive duration")]
    [InlineData("""{ "category": "*", "acknowledge": "half an hour", "resolve": "1.00:00:00" }""", "not 'half an hour'")]
    [InlineData("""{ "category": "*", "acknowledge": "02:00:00", "resolve": "01:00:00" }""", "acknowledge (02:00:00) must be shorter than resolve (01:00:00)")]
    [InlineData("""{ "category": "noise", "acknowledge": "00:30:00", "resolve": "1.00:00:00" }""", "the last deadline rule must catch every matter")]
    [InlineData("""{ "category": "*", "urgency": 9, "acknowledge": "00:30:00", "resolve": "1.00:00:00" }""", "urgency must be 1–4, not 9")]
    public void A_bad_deadline_rule_stops_start_up_naming_the_rule(string rule, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => CommandPolicyFile.Parse(
            $$"""{ "routing": [ {{CatchAll}} ], "deadlines": [ {{rule}} ] }""", City));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_broken_json_says_so()
    {
        var many = Assert.Throws<InvalidOperationException>(() => CommandPolicyFile.Parse(WithRouting(
            """{ "name": "a", "category": "no-such", "level": "town", "department": "urban-management" },""" +
            """{ "name": "a", "category": "noise", "level": "village", "department": "urban-management" },""" + CatchAll), City));
        var broken = Assert.Throws<InvalidOperationException>(() => CommandPolicyFile.Parse("{ \"routing\": [", City));

        Assert.Contains("unknown category 'no-such'", many.Message);
        Assert.Contains("routing rule 2 'a': the name is used twice", many.Message);
        Assert.Contains("not 'village'", many.Message);
        Assert.Contains("not valid JSON", broken.Message);
    }
}
