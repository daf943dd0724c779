using Dispatch.Domain.Chat;

namespace Dispatch.Domain.Tests.Chat;

public class PlanSlashCommandTests
{
    [Theory]
    [InlineData("/plan", null)]
    [InlineData("/plan #20261123-0042", "20261123-0042")]
    public void Given_plan_with_no_code_When_parsed_Then_it_asks_for_the_matching_plans(string line, string? incident)
    {
        var parsed = SlashCommands.Parse(line);

        Assert.Equal(new PlansCommand(incident), parsed.Command);
        Assert.Equal("plan", SlashCommands.HelpFor(parsed.Command!).Name);
    }

    [Fact]
    public void Given_a_code_without_a_reason_When_parsed_Then_the_reason_is_still_required() =>
        Assert.Equal("command.plan.missing", SlashCommands.Parse("/plan gas-explosion").Error!.Code);
}
