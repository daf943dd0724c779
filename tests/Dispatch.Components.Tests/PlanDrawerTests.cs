using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Plans;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Plans;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The contingency plan in the incident drawer: proposals with Activate for the dispatchers allowed, activation with a
/// reason, the running plan's tasks with their states and buttons for their departments, and stand-down.
/// </summary>
public sealed class PlanDrawerTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    JurisdictionTree _tree = null!;
    Jurisdiction _town = null!;

    protected override Task Prepare()
    {
        _tree = App.Services.GetRequiredService<JurisdictionTree>();
        _town = _tree.Place(31.2304, 121.4737).Town!;
        return Task.CompletedTask;
    }

    const string Drawer = "[data-testid=incident-drawer]";

    ContingencyPlan GasExplosion => App.Services.GetRequiredService<PlanLibrary>().Find("gas-explosion")!;

    /// <summary>An explosion in the town's streets: the gas-explosion plan (level Ⅱ, commanded by the city) matches it.</summary>
    Task<CommandOutcome.Done> Explosion() =>
        App.Report(new IntakeForm(Channel.Hotline, "张伟", Calls.NewPhone(), _town.Boundary.InteriorPoint.Y, _town.Boundary.InteriorPoint.X,
            null, "gas-leak", "小区楼道燃气爆炸，有人受伤", 4));

    void SignInAs(string login, params Grant[] grants) => SignIn(new Actor(login, login, grants));

    IRenderedComponent<IncidentActions> Actions(IncidentDetail detail) => Ctx.Render<IncidentActions>(p => p.Add(a => a.Detail, detail));

    IRenderedComponent<TestHost> OpenDrawer(string number)
    {
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.ClickRow($"[data-testid=board-row][data-number='{number}']", Waits.Push);
        cut.WaitForElement($"{Drawer} [data-testid=timeline]", Waits.Push);
        return cut;
    }

    static string FieldError(IRenderedComponent<TestHost> cut, string input) =>
        cut.Find(input).Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    [Fact]
    public async Task Given_an_explosion_When_opened_Then_the_plan_is_proposed_with_Activate_to_the_city_without_it_to_the_town_and_not_to_a_handler()
    {
        var reported = await Explosion();
        var detail = (await App.Detail(reported.Id))!;

        SignInAs("plan-city", new Grant(Role.Dispatcher, _tree.City.Path));
        var city = Actions(detail);
        var proposal = city.Find("[data-testid=plan-proposal][data-plan=gas-explosion]");
        Assert.Equal("true", proposal.GetAttribute("data-allowed"));
        Assert.Contains("Level Ⅱ", proposal.TextContent);
        Assert.Contains("燃气爆炸事故应急预案", proposal.TextContent);
        Assert.Contains("City", proposal.TextContent);
        Assert.Contains("6 tasks", proposal.TextContent);
        Assert.NotNull(city.Find("[data-testid=plan-activate][data-plan=gas-explosion]"));
        Assert.NotNull(city.Find("#action-activate-plan"));

        // A town desk sees what the city would activate, and may not activate it itself.
        SignInAs("plan-town", new Grant(Role.Dispatcher, _town.Path));
        var town = Actions(detail);
        Assert.Equal("false", town.Find("[data-testid=plan-proposal][data-plan=gas-explosion]").GetAttribute("data-allowed"));
        Assert.Contains("Activated at City level", town.Find("[data-testid=plan-not-yours]").TextContent);
        Assert.Empty(town.FindAll("[data-testid=plan-activate]"));
        Assert.Empty(town.FindAll("#action-activate-plan"));

        SignInAs("plan-gas", new Grant(Role.Handler, _tree.City.Path, "gas-utility"));
        var handler = Actions(detail);
        Assert.Empty(handler.FindAll("[data-testid=plan-section]"));
        Assert.Empty(handler.FindAll("#action-activate-plan"));
    }

    [Fact]
    public async Task Given_the_activate_form_When_submitted_without_then_with_a_reason_Then_the_reason_is_asked_for_and_then_the_plan_runs()
    {
        var reported = await Explosion();
        var cut = OpenDrawer(reported.Number);

        // Find and act in one dispatch: board and drawer are live (a push can re-render them between a Find and the act).
        await cut.InvokeAsync(() => cut.Find($"{Drawer} [data-testid=plan-activate][data-plan=gas-explosion]").ClickAsync(new()));
        await cut.WaitForElement("[data-testid=action-form][data-action=activate-plan]").SubmitAsync();

        cut.WaitForAssertion(() => Assert.NotEqual("", FieldError(cut, "#action-reason")));
        Assert.Null((await App.Detail(reported.Id))!.Plan);

        await cut.InvokeAsync(() => cut.Find("#action-reason").Input("现场确认爆炸，三人受伤"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            var run = cut.Find($"{Drawer} [data-testid=plan-run]");
            Assert.Equal(("gas-explosion", "true"), (run.GetAttribute("data-plan"), run.GetAttribute("data-running")));
            Assert.Contains("现场确认爆炸，三人受伤", cut.Find($"{Drawer} [data-testid=plan-activated]").TextContent);
            var tasks = cut.FindAll($"{Drawer} [data-testid=plan-task]");
            Assert.Equal(["cut-gas", "fire-rescue", "cordon", "casualties", "patrol", "assess"], tasks.Select(t => t.GetAttribute("data-task")));
            Assert.All(tasks, t => Assert.Equal("open", t.GetAttribute("data-state")));
            Assert.Equal("0", cut.Find($"{Drawer} [data-testid=plan-progress]").GetAttribute("data-done"));
            // While it runs nothing else is proposed.
            Assert.Empty(cut.FindAll($"{Drawer} [data-testid=plan-proposal]"));
        }, Waits.Push);
        var plan = (await App.Detail(reported.Id))!.Plan!;
        Assert.Equal(("gas-explosion", "现场确认爆炸，三人受伤", ConsoleContext.Seat), (plan.Code, plan.Reason, plan.ActivatedBy));
    }

    [Fact]
    public async Task Given_a_running_plan_Then_each_task_shows_its_state_and_only_its_department_gets_its_buttons_and_dispatchers_stand_down()
    {
        var reported = await Explosion();
        await App.Do(reported.Id, new ActivatePlan(GasExplosion, "爆炸", "plan-dispatcher"));
        await App.Do(reported.Id, new AcknowledgePlanTask("cut-gas", "gas-utility", "gas-handler"));
        await App.Do(reported.Id, new CompletePlanTask("fire-rescue", "fire", "明火已扑灭", "fire-handler"));
        var detail = (await App.Detail(reported.Id))!;
        // The cordon is recorded overdue, as the deadline watch records it.
        detail = detail with { Plan = detail.Plan! with { Tasks = [.. detail.Plan.Tasks.Select(t => t.Code == "cordon" ? t with { Overdue = true } : t)] } };

        SignInAs("plan-gas-handler", new Grant(Role.Handler, _tree.City.Path, "gas-utility"));
        var gas = Actions(detail);

        string State(string task) => gas.Find($"[data-testid=plan-task][data-task={task}]").GetAttribute("data-state")!;
        bool Button(IRenderedComponent<IncidentActions> cut, string kind, string task) => cut.FindAll($"[data-testid=task-{kind}][data-task={task}]").Count > 0;
        Assert.Equal(("acknowledged", "done", "overdue", "open"), (State("cut-gas"), State("fire-rescue"), State("cordon"), State("casualties")));
        Assert.NotNull(gas.Find("[data-testid=plan-task][data-task=cordon] .task-chip-overdue"));
        Assert.Contains("明火已扑灭", gas.Find("[data-testid=plan-task][data-task=fire-rescue] [data-testid=task-note]").TextContent);
        var progress = gas.Find("[data-testid=plan-progress]");
        Assert.Equal(("1", "6", "1"), (progress.GetAttribute("data-done"), progress.GetAttribute("data-total"), progress.GetAttribute("data-late")));
        // Its own task: completed (already acknowledged); the other departments' tasks: nothing to press.
        Assert.True(Button(gas, "complete", "cut-gas"));
        Assert.False(Button(gas, "acknowledge", "cut-gas"));
        Assert.All(new[] { "fire-rescue", "cordon", "casualties", "assess" }, t => Assert.False(Button(gas, "complete", t) || Button(gas, "acknowledge", t)));
        // A task by capability is worked in the person's own department's name (the server's rule allows it).
        Assert.True(Button(gas, "acknowledge", "patrol"));
        Assert.Empty(gas.FindAll("[data-testid=plan-stand-down]"));
        Assert.NotNull(gas.Find("#action-complete-task"));
        Assert.Empty(gas.FindAll("#action-stand-down"));

        SignInAs("plan-city-dispatcher", new Grant(Role.Dispatcher, _tree.City.Path));
        var city = Actions(detail);
        Assert.Empty(city.FindAll("[data-testid=task-acknowledge], [data-testid=task-complete]"));
        Assert.NotNull(city.Find("[data-testid=plan-stand-down]"));
        Assert.NotNull(city.Find("#action-stand-down"));
        Assert.Empty(city.FindAll("#action-complete-task, #action-acknowledge-task"));
    }

    [Fact]
    public async Task Given_a_running_plan_When_a_handler_acknowledges_and_completes_a_task_from_its_row_Then_the_drawer_shows_it_and_others_work_by_push()
    {
        var reported = await Explosion();
        await App.Do(reported.Id, new ActivatePlan(GasExplosion, "爆炸", "plan-dispatcher"));
        var cut = OpenDrawer(reported.Number);
        string State(string task) => cut.Find($"{Drawer} [data-testid=plan-task][data-task={task}]").GetAttribute("data-state")!;

        await cut.WaitForElement($"{Drawer} [data-testid=task-acknowledge][data-task=cut-gas]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal("acknowledged", State("cut-gas")), Waits.Push);

        await cut.InvokeAsync(() => cut.Find($"{Drawer} [data-testid=task-complete][data-task=cut-gas]").ClickAsync(new()));
        await cut.WaitForElement("[data-testid=action-form][data-action=complete-task]").SubmitAsync();
        cut.WaitForAssertion(() => Assert.NotEqual("", FieldError(cut, "#action-note")));
        await cut.InvokeAsync(() => cut.Find("#action-note").Input("上游阀门已关闭"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("done", State("cut-gas"));
            Assert.Equal("1", cut.Find($"{Drawer} [data-testid=plan-progress]").GetAttribute("data-done"));
        }, Waits.Push);
        var task = (await App.Detail(reported.Id))!.Plan!.Tasks.Single(t => t.Code == "cut-gas");
        Assert.Equal(("gas-utility", "上游阀门已关闭", ConsoleContext.Seat), (task.WorkedBy, task.Note, task.CompletedBy));

        // The fire brigade completes its own on its side: this drawer hears it.
        await App.Do(reported.Id, new CompletePlanTask("fire-rescue", "fire", "明火已扑灭", "fire-handler"));
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find($"{Drawer} [data-testid=plan-progress]").GetAttribute("data-done")), Waits.Push);
    }

    [Fact]
    public async Task Given_a_running_plan_When_the_dispatcher_stands_it_down_with_a_reason_Then_it_shows_closed_and_plans_are_proposed_again()
    {
        var reported = await Explosion();
        await App.Do(reported.Id, new ActivatePlan(GasExplosion, "爆炸", "plan-dispatcher"));
        var cut = OpenDrawer(reported.Number);

        await cut.WaitForElement($"{Drawer} [data-testid=plan-stand-down]").ClickAsync(new());
        await cut.WaitForElement("[data-testid=action-form][data-action=stand-down]").SubmitAsync();
        cut.WaitForAssertion(() => Assert.NotEqual("", FieldError(cut, "#action-reason")));
        Assert.True((await App.Detail(reported.Id))!.Plan!.Running);

        await cut.InvokeAsync(() => cut.Find("#action-reason").Input("险情已消除"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("false", cut.Find($"{Drawer} [data-testid=plan-run]").GetAttribute("data-running"));
            Assert.Contains("险情已消除", cut.Find($"{Drawer} [data-testid=plan-stood-down]").TextContent);
            Assert.Empty(cut.FindAll($"{Drawer} [data-testid=task-complete]"));
            Assert.NotNull(cut.Find($"{Drawer} [data-testid=plan-activate][data-plan=gas-explosion]"));
        }, Waits.Push);
        var plan = (await App.Detail(reported.Id))!.Plan!;
        Assert.Equal((false, "险情已消除"), (plan.Running, plan.StoodDownReason));
    }

    [Fact]
    public async Task Given_the_action_row_When_activate_plan_and_then_acknowledge_task_are_chosen_Then_their_forms_start_on_the_plan_and_the_first_task()
    {
        var reported = await Explosion();
        var cut = OpenDrawer(reported.Number);

        await cut.InvokeAsync(() => cut.Find($"{Drawer} #action-activate-plan").ClickAsync(new()));
        cut.WaitForElement("[data-testid=action-form][data-action=activate-plan]");
        await cut.InvokeAsync(() => cut.Find("#action-reason").Input("爆炸"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());
        cut.WaitForElement($"{Drawer} [data-testid=plan-run][data-running=true]", Waits.Push);

        await cut.WaitForElement($"{Drawer} #action-acknowledge-task").ClickAsync(new());
        await cut.WaitForElement("[data-testid=action-form][data-action=acknowledge-task]").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("acknowledged",
            cut.Find($"{Drawer} [data-testid=plan-task][data-task=cut-gas]").GetAttribute("data-state")), Waits.Push);
        Assert.Equal("gas-explosion", (await App.Detail(reported.Id))!.Plan!.Code);
    }

    [Fact]
    public async Task Given_a_chinese_console_Then_the_plan_is_said_in_the_dispatchers_words()
    {
        await Ctx.DisposeAsync();
        Ctx = ConsoleContext.For(App, "zh-CN");
        var reported = await Explosion();
        await App.Do(reported.Id, new ActivatePlan(GasExplosion, "爆炸", "plan-dispatcher"));

        var cut = Actions((await App.Detail(reported.Id))!);

        Assert.Contains("预案执行中", cut.Find("[data-testid=plan-run]").TextContent);
        Assert.Contains("Ⅱ级响应", cut.Find("[data-testid=plan-run]").TextContent);
        Assert.Contains("已完成 0/6", cut.Find("[data-testid=plan-progress]").TextContent);
        Assert.Contains("解除响应", cut.Find("[data-testid=plan-stand-down]").TextContent);
        Assert.Contains("待签收", cut.Find("[data-testid=plan-task][data-task=cut-gas]").TextContent);
    }
}
