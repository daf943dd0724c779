using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Plans;
using Microsoft.Extensions.Configuration;

namespace Dispatch.Server.Tests.Plans;

/// <summary>The plan library file: the shipped one loads and proposes the demo plans; each kind of fault stops start-up, named.</summary>
public class PlanLibraryFileTests
{
    static readonly CityCatalog City = new(new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Root(), "src", "Dispatch.Server", "appsettings.json")).Build()
        .GetSection(CityOptions.Section).Get<CityOptions>()!);

    static readonly JurisdictionTree Tree = DemoCityMap.Tree();

    static string Root() => Infrastructure.RepoFiles.Root;

    const string Task = """{ "code": "cut-gas", "what": "关阀", "department": "gas-utility", "within": "00:15:00" }""";

    static string Plan(string overrides = "", string tasks = Task) => $$"""
        { "plans": [ {
            "code": "gas-explosion", "version": 1, "name": "燃气爆炸", "when": { "categories": ["gas-leak"] },
            "responseLevel": "II", "commandLevel": "city", "lead": "emergency", "assisting": ["fire"],
            "tasks": [ {{tasks}} ] {{overrides}} } ] }
        """;

    [Fact]
    public void Given_the_shipped_library_when_loaded_then_a_gas_explosion_is_proposed_the_level_II_plan()
    {
        var library = PlanLibraryFile.Load(Path.Combine(Root(), "src", "Dispatch.Server", PlanLibraryFile.DefaultFile), City, Tree);

        var proposed = library.Matching("gas-leak", Urgency.Critical, "小区楼道燃气爆炸，有人受伤", Tree.OfKind(JurisdictionKind.Grid).First().Path);

        var plan = Assert.Single(proposed);
        Assert.Equal(("gas-explosion", ResponseLevel.II, CommandLevel.City, "emergency"), (plan.Code, plan.Level, plan.CommandLevel, plan.Lead));
        Assert.Contains(plan.Tasks, t => t.Capability == "patrol");
        Assert.Equal("Severe", plan.Warning!.Severity);
        Assert.Empty(library.Matching("gas-leak", Urgency.Normal, "燃气味", null));
    }

    [Fact]
    public void Given_a_plan_with_an_area_when_matched_then_only_incidents_inside_it_are_proposed()
    {
        var library = PlanLibraryFile.Parse(Plan(""", "when": { "categories": ["gas-leak"], "areas": ["dh"] }"""), City, Tree);
        var inside = Tree.Find("dh")!.Path + "/x";
        var outside = Tree.Find("xs")!.Path;

        Assert.Single(library.Matching("gas-leak", Urgency.Low, "", inside));
        Assert.Empty(library.Matching("gas-leak", Urgency.Low, "", outside));
    }

    [Theory]
    [InlineData(""", "code": "" """, "has no code")]
    [InlineData(""", "version": 0""", "version must be a whole number from 1")]
    [InlineData(""", "responseLevel": "V" """, "responseLevel must be I, II, III or IV, not 'V'")]
    [InlineData(""", "responseLevel": "2" """, "responseLevel must be I, II, III or IV, not '2'")]
    [InlineData(""", "commandLevel": "province" """, "commandLevel must be town, district or city, not 'province'")]
    [InlineData(""", "lead": "nobody" """, "lead: unknown department 'nobody'")]
    [InlineData(""", "lead": "street-office" """, "lead: department 'street-office' does not exist at city level")]
    [InlineData(""", "assisting": ["emergency"] """, "the lead 'emergency' is also named assisting")]
    [InlineData(""", "when": { "categories": ["volcano"] }""", "unknown category 'volcano'")]
    [InlineData(""", "when": { "areas": ["atlantis"] }""", "unknown area 'atlantis'")]
    [InlineData(""", "when": { }""", "'when' matches every incident")]
    [InlineData(""", "warning": { "event": "x", "headline": "h", "instruction": "i", "severity": "Bad", "urgency": "Immediate", "certainty": "Observed" }""",
        "severity must be one of Extreme, Severe, Moderate, Minor, Unknown (CAP 1.2), not 'Bad'")]
    public void Given_a_fault_in_a_plan_when_loaded_then_start_up_stops_naming_the_plan_and_the_fault(string overrides, string fault)
    {
        // A later key wins in System.Text.Json, so each override replaces the valid value before it.
        var error = Assert.Throws<InvalidOperationException>(() => PlanLibraryFile.Parse(Plan(overrides), City, Tree, "plans.json"));

        Assert.StartsWith("plans.json is invalid: plan 1", error.Message);
        Assert.Contains(fault, error.Message);
    }

    [Theory]
    [InlineData("", "has no tasks")]
    [InlineData("""{ "code": "a", "what": "x", "within": "00:10:00" }""", "task 1 'a' must name either a department or a unit capability, not neither")]
    [InlineData("""{ "code": "a", "what": "x", "department": "fire", "capability": "patrol", "within": "00:10:00" }""", "not both")]
    [InlineData("""{ "code": "a", "what": "x", "department": "fire", "within": "soon" }""", "within must be a positive duration like \"00:15:00\", not 'soon'")]
    [InlineData("""{ "code": "a", "what": "", "department": "fire", "within": "00:10:00" }""", "task 1 'a' does not say what to do")]
    [InlineData(Task + "," + Task, "task 2 'cut-gas': the code is used twice")]
    public void Given_a_fault_in_a_task_when_loaded_then_it_is_named(string tasks, string fault)
    {
        var error = Assert.Throws<InvalidOperationException>(() => PlanLibraryFile.Parse(Plan(tasks: tasks), City, Tree));

        Assert.Contains(fault, error.Message);
    }

    [Fact]
    public void Given_several_faults_in_several_plans_when_loaded_then_every_one_is_named_and_nothing_is_loaded()
    {
        var json = Plan(""", "version": -1, "lead": "nobody" """).Replace("} ] }", """}, { "code": "gas-explosion", "name": "", "responseLevel": "I", "commandLevel": "city", "lead": "fire", "when": { "minUrgency": 9 }, "tasks": [] } ] }""");

        var error = Assert.Throws<InvalidOperationException>(() => PlanLibraryFile.Parse(json, City, Tree)).Message;

        foreach (var fault in new[] { "plan 1 'gas-explosion': version must", "plan 1 'gas-explosion': lead: unknown department 'nobody'",
                     "plan 2 'gas-explosion': the code is used twice", "plan 2 'gas-explosion' has no name", "minUrgency must be 1–4, not 9",
                     "plan 2 'gas-explosion' has no tasks" })
            Assert.Contains(fault, error);
    }
}
