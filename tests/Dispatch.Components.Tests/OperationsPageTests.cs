using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Server.Components;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OperationsPage = Dispatch.Server.Components.Pages.Operations;

namespace Dispatch.Components.Tests;

/// <summary>The /operations page: a leader declares an operation with the form, sees it listed (live), and ends it with a reason.</summary>
public sealed class OperationsPageTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    [Fact]
    public async Task Given_a_district_leader_when_they_declare_with_the_form_and_then_end_it_then_the_list_follows_and_a_town_dispatcher_gets_no_form()
    {
        SignIn(new Actor("page-leader", "Leader", [new Grant(Role.Leader, "demo/xs")]));
        var cut = Ctx.Render<OperationsPage>();
        cut.WaitForElement("[data-testid=operations-page][data-interactive=true]", Waits.Push);

        var name = "台风演练-" + Guid.NewGuid().ToString("N")[..6];
        // Find and act in one dispatch: the list is live (each push reloads and renders it).
        await cut.InvokeAsync(() => cut.Find("#op-name").Input(name));
        await cut.InvokeAsync(() => cut.Find("#op-jurisdictions").Input("demo/xs"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=op-submit]").Click());

        cut.WaitForAssertion(() => Assert.Contains(name, cut.Find("[data-testid=operation-row][data-state=active]").TextContent), Waits.Push);
        var row = cut.Find("[data-testid=operation-row]");
        await cut.InvokeAsync(() => cut.Find($"#end-reason-{Guid.Parse(row.GetAttribute("data-operation")!):N}").Input("演练结束"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=end-operation]").Click());
        cut.WaitForAssertion(() => Assert.Equal("ended", cut.Find("[data-testid=operation-row]").GetAttribute("data-state")), Waits.Push);
    }

    [Fact]
    public void Given_a_town_dispatcher_when_the_page_opens_then_there_is_no_declare_form()
    {
        SignIn(new Actor("page-town", "Town", [new Grant(Role.Dispatcher, "demo/xs/xs-01")]));
        var cut = Ctx.Render<OperationsPage>();
        cut.WaitForElement("[data-testid=operations-page]", Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=declare-form]"));
    }
}
