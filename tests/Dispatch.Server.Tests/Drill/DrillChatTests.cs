using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Drill;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Drill;

/// <summary>
/// The drill speaking chat through /hubs/chat against the real server: a simulated unit says it arrived in its incident's
/// channel and hears a message that names it; the <c>chat</c> command prints a channel and posts what is typed.
/// </summary>
public sealed class DrillChatTests(DispatchApp app) : IClassFixture<DispatchApp>, IDisposable
{
    readonly Scopes _scopes = new(app);
    readonly string _state = Directory.CreateTempSubdirectory("dispatch-drill-chat").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    static async Task<JsonElement> History(HttpClient client, string channel) =>
        await client.GetJson($"/api/chat/messages?channel={Uri.EscapeDataString(channel)}");

    [Fact]
    public async Task A_simulated_unit_says_it_arrived_in_its_incidents_channel_and_hears_a_message_that_names_it()
    {
        await app.EnsureUser(DispatchApp.DefaultUser);
        using var dispatcher = await DispatchClient.SignIn(app.BaseAddress, DispatchApp.DefaultUser, DispatchApp.Password);
        var towns = await Fleet.Towns(dispatcher);
        var department = Assert.Single(await Fleet.Departments(dispatcher, Steps.Department));
        var plan = Fleet.Plan(1, [department], [towns.Single(t => t.Code == _scopes.Town.Code)])[0] with
        {
            Login = Api.Unique("drill"), CallSign = Api.Unique("演练"),
        };
        var unit = Assert.Single(await Fleet.Ensure(dispatcher, new UnitCredentials(_state), [plan], towns, _ => { }));
        var habits = new UnitHabits(SpeedMetersPerSecond: 50_000, ReportEvery: TimeSpan.FromSeconds(1), Work: TimeSpan.FromHours(1));
        var named = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stats = new DrillStats();
        var simulated = new SimulatedUnit(unit, app.BaseAddress, habits, TimeProvider.System, TimeSpan.FromMilliseconds(50), new Random(1), stats,
            line => { if (line.Contains("named in")) named.TrySetResult(); });
        var positioned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var onScene = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        simulated.Stepped += d =>
        {
            if (d.Reply.Ok && d.Step is Dispatch.Drill.UnitStep.Position) positioned.TrySetResult();
            // Stepped comes after the arrival line was posted.
            if (d.Reply.Ok && d.Step is Dispatch.Drill.UnitStep.OnScene) onScene.TrySetResult();
        };
        using var stop = new CancellationTokenSource();
        var running = simulated.Run(stop.Token);

        await positioned.Task.WaitAsync(UnitDevice.Patience);
        using var client = app.Client();
        var incident = await client.Assigned();
        await dispatcher.Unit(unit.Id, "dispatch", new { incidentId = incident.Id });
        await onScene.Task.WaitAsync(UnitDevice.Patience);

        var channel = $"incident:{incident.Id:N}";
        var messages = (await History(client, channel)).GetProperty("messages").EnumerateArray().ToList();
        Assert.Contains(messages, m => m.GetProperty("author").GetString() == unit.Login && m.GetProperty("text").GetString() == SimulatedUnit.ArrivalLine);
        Assert.Equal(1, stats.ChatPosts);

        await dispatcher.Post("/api/chat/messages", new { channel, text = $"@{unit.CallSign} 请拍照回传" });
        await named.Task.WaitAsync(UnitDevice.Patience);
        Assert.Equal(1, stats.Mentions);

        stop.Cancel();
        await running.WaitAsync(UnitDevice.Patience);
        await simulated.Stop();
    }

    [Fact]
    public async Task The_chat_command_prints_the_last_page_posts_each_line_and_prints_what_only_the_sender_sees()
    {
        const string login = "drill-chat-person";
        await app.EnsureUser(login);
        var channel = $"node:{app.Services.GetRequiredService<JurisdictionTree>().City.Path}";
        using var other = app.Client(Api.Unique("other"));
        using (var posted = await other.PostAsJsonAsync("/api/chat/messages", new { channel, text = "早上好，今天防汛值班" }))
            await posted.ShouldBe(HttpStatusCode.OK);

        var typed = new StringReader("收到\n/frobnicate\n/help note\n");
        var printed = new StringWriter();
        var options = Options.Parse(["chat", "--url", app.BaseAddress.ToString(), "--login", login, "--password", DispatchApp.Password,
            "--channel", channel, "--language", "en"]);
        Assert.Equal(0, await ChatTerminal.Run(options, typed, printed));

        var output = printed.ToString();
        Assert.Contains("早上好，今天防汛值班", output);
        Assert.Contains("✗ There is no command /frobnicate.", output);
        Assert.Contains("/note [#number] <text>", output);
        var texts = (await History(other, channel)).GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("text").GetString()).ToList();
        Assert.Contains("收到", texts);
        Assert.DoesNotContain("/frobnicate", texts);
    }
}
