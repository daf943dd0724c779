using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Dispatch.Drill;

/// <summary>
/// A drill scenario (演练脚本): the reports of an emergency as they come in, at their minutes, and the steps the role
/// players take (activating the plan, a department acknowledging its task…). Everything the trainees do themselves is
/// left out: they work the exercise console live. <see cref="Scenario.Problems"/> names every fault by its place.
/// </summary>
public sealed record Scenario(string Name, string? Plan, List<ScenarioPlayer>? Players, List<ScenarioStep> Steps)
{
    public static Scenario Read(string path)
    {
        Scenario? scenario;
        try
        {
            scenario = JsonSerializer.Deserialize<Scenario>(File.ReadAllText(path), DispatchClient.Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new OptionException($"--scenario {path}: {e.Message}");
        }
        if (scenario is null) throw new OptionException($"--scenario {path}: the file is empty.");
        var problems = scenario.Problems();
        return problems.Count == 0 ? scenario : throw new OptionException($"--scenario {path}:\n  " + string.Join("\n  ", problems));
    }

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name)) problems.Add("name: give the exercise a name.");
        if (Steps is not { Count: > 0 }) { problems.Add("steps: a scenario needs at least one step."); return problems; }
        foreach (var (player, i) in (Players ?? []).Select((p, i) => (p, i)))
        {
            if (string.IsNullOrWhiteSpace(player.Login)) problems.Add($"players[{i}].login: required.");
            if (string.IsNullOrWhiteSpace(player.Role)) problems.Add($"players[{i}].role: required.");
            if (string.IsNullOrWhiteSpace(player.Jurisdiction)) problems.Add($"players[{i}].jurisdiction: required.");
        }
        var reports = 0;
        var last = TimeSpan.Zero;
        foreach (var (step, i) in Steps.Select((s, i) => (s, i)))
        {
            if (step.At < last) problems.Add($"steps[{i}].at: {step.At} comes before the step above it ({last}); keep the steps in time order.");
            last = step.At > last ? step.At : last;
            if (string.IsNullOrWhiteSpace(step.As)) problems.Add($"steps[{i}].as: name who takes the step (a login).");
            var isReport = step.Report is { ValueKind: JsonValueKind.Object };
            if (isReport == step.Action is not null) problems.Add($"steps[{i}]: give either a report or an action, not both or neither.");
            if (isReport) reports++;
            else if (step.Action is not null && (step.Incident is not { } n || n < 0 || n >= reports))
                problems.Add($"steps[{i}].incident: the number of a report above this step (0 to {reports - 1}).");
        }
        return problems;
    }
}

/// <summary>A role player the exercise needs (a department's handler, say), made on the exercise node with the drill's password.</summary>
public sealed record ScenarioPlayer(string Login, string? Name, string Role, string Jurisdiction, string? Department);

/// <summary>At <see cref="At"/> after the start, <see cref="As"/> files a report, or takes an incident action on report number <see cref="Incident"/>.</summary>
public sealed record ScenarioStep(TimeSpan At, string As, JsonElement? Report, string? Action, int? Incident, JsonElement? Body);

/// <summary>The incidents an exercise made, in the order of its reports.</summary>
public sealed record ExerciseRun(string Space, IReadOnlyList<(Guid Id, string Number)> Incidents);

/// <summary>
/// <c>exercise</c>: plays a scenario into an exercise node (a Dispatch started with <c>Dispatch:Exercise:Name</c> on a
/// database of its own; deploy/exercise starts one) and prints, at the end, each plan task's times against its deadline.
/// It refuses any server that does not say it is an exercise, so a scenario never lands among the live incidents.
/// </summary>
public static class Exercise
{
    public const string Usage =
        "exercise --url URL --scenario FILE [--speed 1] [--admin city.admin] [--reviewer city.dispatcher] [--password dispatch-demo]";

    /// <summary>What every answer of an exercise node carries (Dispatch.Server.Exercises.ExerciseSpace.Header).</summary>
    public const string SpaceHeader = "X-Dispatch-Exercise";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var scenario = Scenario.Read(o.String("--scenario", ""));
        var speed = o.Double("--speed", 1, min: 0.01);
        var admin = o.String("--admin", "city.admin");
        var reviewer = o.String("--reviewer", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        o.RejectUnknown();

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        var run = await Play(url, scenario, speed, admin, password, Console.Out, cancel.Token);
        await Review(url, reviewer, password, run, Console.Out, cancel.Token);
        return 0;
    }

    /// <summary>Plays the scenario; refuses (<see cref="DispatchApiException"/>, 409) a server that is not an exercise space.</summary>
    public static async Task<ExerciseRun> Play(Uri url, Scenario scenario, double speed, string admin, string password, TextWriter output,
        CancellationToken ct = default)
    {
        var clients = new Dictionary<string, DispatchClient>(StringComparer.Ordinal);
        try
        {
            var trainer = await SignIn(admin);
            var space = await SpaceOf(trainer, ct);
            output.WriteLine($"exercise '{scenario.Name}' into the exercise space '{space}' at {url} ({speed.ToString(CultureInfo.InvariantCulture)}×)");
            foreach (var player in scenario.Players ?? [])
                await EnsurePlayer(trainer, player, password, output, ct);

            var incidents = new List<(Guid, string)>();
            var clock = Stopwatch.StartNew();
            foreach (var (step, i) in scenario.Steps.Select((s, i) => (s, i)))
            {
                var due = step.At / speed;
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
                var client = await SignIn(step.As);
                if (step.Report is { } report)
                {
                    var made = await client.Report(report, ct);
                    incidents.Add(made);
                    output.WriteLine($"{step.At:hh\\:mm\\:ss} {step.As}: report {incidents.Count - 1} → {made.Number}");
                }
                else
                {
                    var (id, number) = incidents[step.Incident!.Value];
                    await client.Incident(id, step.Action!, step.Body, ct);
                    output.WriteLine($"{step.At:hh\\:mm\\:ss} {step.As}: {step.Action} on {number}");
                }
            }
            return new ExerciseRun(space, incidents);
        }
        finally
        {
            foreach (var client in clients.Values) client.Dispose();
        }

        async Task<DispatchClient> SignIn(string login)
        {
            if (clients.TryGetValue(login, out var known)) return known;
            var client = await DispatchClient.SignIn(url, login, password, output.WriteLine, ct);
            clients[login] = client;
            return client;
        }
    }

    /// <summary>The exercise's name, from the server's own mark; a server without one is live and is refused.</summary>
    static async Task<string> SpaceOf(DispatchClient client, CancellationToken ct)
    {
        using var response = await client.Http.GetAsync("/api/session", ct);
        if (!response.Headers.TryGetValues(SpaceHeader, out var values))
            throw new DispatchApiException(HttpStatusCode.Conflict, $"exercise refused: {client.Url} is not an exercise space",
                "The server does not mark itself as an exercise (no X-Dispatch-Exercise header): it may be the live city. " +
                "A scenario is played only into a node started with Dispatch:Exercise:Name (deploy/exercise).");
        return Uri.UnescapeDataString(values.First());
    }

    static async Task EnsurePlayer(DispatchClient trainer, ScenarioPlayer player, string password, TextWriter output, CancellationToken ct)
    {
        using var response = await trainer.Http.PostAsJsonAsync("/api/users", new
        {
            player.Login, Name = player.Name ?? player.Login, Password = password,
            Grants = new[] { new { player.Role, player.Jurisdiction, player.Department } },
        }, DispatchClient.Json, ct);
        if (response.StatusCode == HttpStatusCode.Conflict) return; // made by an earlier run of the exercise
        if (!response.IsSuccessStatusCode)
            throw new DispatchApiException(response.StatusCode, $"Cannot make the role player {player.Login}", await response.Content.ReadAsStringAsync(ct));
        output.WriteLine($"role player {player.Login}: {player.Role} {player.Department} at {player.Jurisdiction}");
    }

    /// <summary>The after-action table: for each incident that ran a plan, each task's deadline and when it was acknowledged and done.</summary>
    public static async Task Review(Uri url, string login, string password, ExerciseRun run, TextWriter output, CancellationToken ct = default)
    {
        using var client = await DispatchClient.SignIn(url, login, password, output.WriteLine, ct);
        foreach (var (id, number) in run.Incidents)
        {
            var detail = await client.Get<JsonElement>($"/api/incidents/{id}", ct);
            foreach (var line in ReviewLines(number, detail)) output.WriteLine(line);
        }
    }

    /// <summary>The lines of <see cref="Review"/> for one incident's detail (nothing when it ran no plan).</summary>
    public static IEnumerable<string> ReviewLines(string number, JsonElement detail)
    {
        if (!detail.TryGetProperty("plan", out var plan) || plan.ValueKind != JsonValueKind.Object) yield break;
        var activated = Time(plan, "activatedAt");
        yield return $"{number}: plan {Text(plan, "code")} v{(plan.TryGetProperty("version", out var v) ? v.ToString() : "?")}, " +
                     $"level {Text(plan, "level")}, activated {activated:HH:mm:ss} by {Text(plan, "activatedBy")}";
        yield return $"  {"task",-14} {"due",-8} {"acknowledged",-12} {"done",-8} verdict";
        foreach (var task in plan.TryGetProperty("tasks", out var tasks) ? tasks.EnumerateArray() : default)
        {
            var due = Time(task, "due");
            var acknowledged = Time(task, "acknowledgedAt");
            var done = Time(task, "completedAt");
            var verdict = done is { } d && due is { } u
                ? d <= u ? $"on time ({(u - d).TotalMinutes:F0} min to spare)" : $"late by {(d - u).TotalMinutes:F0} min"
                : due is { } open && task.TryGetProperty("overdue", out var o) && o.ValueKind == JsonValueKind.True ? $"overdue, not done" : "not done";
            yield return $"  {Text(task, "code"),-14} {due:HH:mm:ss} {acknowledged?.ToString("HH:mm:ss") ?? "-",-12} {done?.ToString("HH:mm:ss") ?? "-",-8} {verdict}";
        }
    }

    static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : "-";

    static DateTimeOffset? Time(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var t) ? t : null;
}
