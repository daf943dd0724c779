using System.Globalization;
using System.Text.Json;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Command;
using Dispatch.Server.Jurisdictions;
using Marten;

namespace Dispatch.Server.Plans;

/// <summary>
/// The contingency plans in force, each at its newest version: the file's at first, then the stored versions
/// (<see cref="PlanVersions"/>), which replace a plan here on every node when an admin revises it.
/// </summary>
public sealed class PlanLibrary(IReadOnlyList<ContingencyPlan> plans)
{
    // Swapped whole (readers never see half a change); a revision replaces one plan.
    volatile IReadOnlyList<ContingencyPlan> _plans = plans;
    readonly Lock _gate = new();

    public IReadOnlyList<ContingencyPlan> Plans => _plans;

    public ContingencyPlan? Find(string code) => Plans.FirstOrDefault(p => p.Code == code);

    /// <summary>The plans that apply to an incident like this one, gravest response first.</summary>
    public IReadOnlyList<ContingencyPlan> Matching(string category, Urgency urgency, string description, string? path) =>
        [.. Plans.Where(p => p.When.Matches(category, urgency, description, path)).OrderBy(p => p.Level).ThenBy(p => p.Code, StringComparer.Ordinal)];

    /// <summary>A plan's new version is in force on this node (a page showing plans may refresh).</summary>
    public event Action<ContingencyPlan>? Changed;

    /// <summary>Puts <paramref name="plan"/> in force, unless a newer version of it already is (notices can arrive out of order).</summary>
    public void Use(ContingencyPlan plan)
    {
        lock (_gate)
        {
            var current = _plans;
            if (current.FirstOrDefault(p => p.Code == plan.Code) is { } known && known.Version >= plan.Version) return;
            _plans = current.Any(p => p.Code == plan.Code)
                ? [.. current.Select(p => p.Code == plan.Code ? plan : p)]
                : [.. current, plan];
        }
        Changed?.Invoke(plan);
    }
}

/// <summary>
/// Reads the plan library file (docs/plans.md): each plan's trigger, response level, command level, departments, tasks,
/// channels, who it notifies and its public warning. A bad file stops the server at start-up with a message naming every
/// fault of every plan; nothing is half-loaded.
/// </summary>
public static class PlanLibraryFile
{
    public const string DefaultFile = "plans.json";
    public const int MaxTasks = 50;

    sealed record FileShape(List<PlanShape>? Plans);
    sealed record PlanShape(string? Code, int? Version, string? Name, TriggerShape? When, string? ResponseLevel, string? CommandLevel,
        string? Lead, List<string>? Assisting, List<TaskShape>? Tasks, List<string>? Channels, List<string>? Notify, WarningShape? Warning);
    sealed record TriggerShape(List<string>? Categories, int? MinUrgency, List<string>? Keywords, List<string>? Areas);
    sealed record TaskShape(string? Code, string? What, string? Department, string? Capability, string? Within);
    sealed record WarningShape(string? Event, string? Severity, string? Urgency, string? Certainty, string? Headline, string? Instruction,
        string? Category = null);

    public static PlanLibrary Load(string path, CityCatalog city, JurisdictionTree tree) =>
        Parse(File.Exists(path) ? File.ReadAllText(path) : throw new InvalidOperationException($"The plan library file {path} does not exist."),
            city, tree, path);

    public static PlanLibrary Parse(string json, CityCatalog city, JurisdictionTree tree, string source = "plan library")
    {
        FileShape? shape;
        try { shape = JsonSerializer.Deserialize<FileShape>(json, JsonSerializerOptions.Web); }
        catch (JsonException ex) { throw new InvalidOperationException($"{source} is not valid JSON: {ex.Message}"); }
        var problems = new List<string>();
        var plans = new List<ContingencyPlan>();
        var shapes = shape?.Plans ?? [];
        for (var i = 0; i < shapes.Count; i++)
            if (Plan(shapes[i], $"plan {i + 1}{(string.IsNullOrWhiteSpace(shapes[i].Code) ? "" : $" '{shapes[i].Code}'")}",
                    shapes.Take(i).Any(o => o.Code == shapes[i].Code), city, tree, problems) is { } plan)
                plans.Add(plan);
        if (problems.Count > 0)
            throw new InvalidOperationException($"{source} is invalid: {string.Join("; ", problems)}.");
        return new PlanLibrary(plans);
    }

    /// <summary>
    /// One plan in the file's JSON shape (what an admin edits): the plan, or every fault named, as the file's validation
    /// names them. Nothing else is checked here (the code in the address, the version: <see cref="PlanVersions"/>).
    /// </summary>
    public static (ContingencyPlan? Plan, IReadOnlyList<string> Faults) ParseOne(string json, CityCatalog city, JurisdictionTree tree)
    {
        PlanShape? shape;
        try { shape = JsonSerializer.Deserialize<PlanShape>(json, JsonSerializerOptions.Web); }
        catch (JsonException ex) { return (null, [$"the plan is not valid JSON: {ex.Message}"]); }
        if (shape is null) return (null, ["the plan is empty: send one plan as a JSON object"]);
        var problems = new List<string>();
        var plan = Plan(shape, $"plan{(string.IsNullOrWhiteSpace(shape.Code) ? "" : $" '{shape.Code}'")}", codeTaken: false, city, tree, problems);
        return (problems.Count == 0 ? plan : null, problems);
    }

    static readonly JsonSerializerOptions Written = new(JsonSerializerOptions.Web)
    {
        WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A plan in the file's JSON shape: what a version stores and what the editor shows; <see cref="ParseOne"/> reads it back.</summary>
    public static string ToJson(ContingencyPlan p) => JsonSerializer.Serialize(new PlanShape(p.Code, p.Version, p.Name,
        new TriggerShape([.. p.When.Categories], (int)p.When.MinUrgency, [.. p.When.Keywords], [.. p.When.Areas.Select(a => a[(a.LastIndexOf('/') + 1)..])]),
        p.Level.ToString(), p.CommandLevel.ToString().ToLowerInvariant(), p.Lead, [.. p.Assisting],
        [.. p.Tasks.Select(t => new TaskShape(t.Code, t.What, t.Department, t.Capability, t.Within.ToString("c", CultureInfo.InvariantCulture)))],
        [.. p.Channels], [.. p.Notify],
        p.Warning is { } w ? new WarningShape(w.Event, w.Severity, w.Urgency, w.Certainty, w.Headline, w.Instruction, w.Category) : null), Written);

    static ContingencyPlan? Plan(PlanShape s, string name, bool codeTaken, CityCatalog city, JurisdictionTree tree, List<string> problems)
    {
        var before = problems.Count;
        if (string.IsNullOrWhiteSpace(s.Code)) problems.Add($"{name} has no code");
        else if (codeTaken) problems.Add($"{name}: the code is used twice");
        if (s.Version is not > 0) problems.Add($"{name}: version must be a whole number from 1, not {s.Version?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        if (string.IsNullOrWhiteSpace(s.Name)) problems.Add($"{name} has no name");

        var when = s.When ?? new TriggerShape(null, null, null, null);
        foreach (var c in when.Categories ?? [])
            if (!city.CategoryCodes.Contains(c)) problems.Add($"{name}: unknown category '{c}'");
        if (when.MinUrgency is < 1 or > 4) problems.Add($"{name}: minUrgency must be 1–4, not {when.MinUrgency}");
        if (when.Keywords?.Any(string.IsNullOrWhiteSpace) == true) problems.Add($"{name}: a keyword is empty");
        var areas = new List<string>();
        foreach (var code in when.Areas ?? [])
            if (tree.Find(code) is { } area) areas.Add(area.Path);
            else problems.Add($"{name}: unknown area '{code}' (give a jurisdiction code)");
        if ((when.Categories?.Count ?? 0) == 0 && (when.Keywords?.Count ?? 0) == 0 && areas.Count == 0 && when.MinUrgency is null)
            problems.Add($"{name}: 'when' matches every incident; name categories, keywords, areas or a minUrgency");

        var level = Enum.TryParse<ResponseLevel>(s.ResponseLevel, ignoreCase: true, out var l) && !int.TryParse(s.ResponseLevel, out _) ? l : (ResponseLevel?)null;
        if (level is null) problems.Add($"{name}: responseLevel must be I, II, III or IV, not '{s.ResponseLevel}'");
        var commandLevel = Enum.TryParse<CommandLevel>(s.CommandLevel, ignoreCase: true, out var cl) && !int.TryParse(s.CommandLevel, out _) ? cl : (CommandLevel?)null;
        if (commandLevel is null) problems.Add($"{name}: commandLevel must be town, district or city, not '{s.CommandLevel}'");

        void Department(string? code, string what)
        {
            if (string.IsNullOrWhiteSpace(code) || !city.DepartmentCodes.Contains(code)) problems.Add($"{name}: {what}: unknown department '{code}'");
            else if (commandLevel is { } at && !city.IsDepartmentAt(code, CommandPolicyFile.KindOf(at)))
                problems.Add($"{name}: {what}: department '{code}' does not exist at {at.ToString().ToLowerInvariant()} level");
        }
        Department(s.Lead, "lead");
        foreach (var d in s.Assisting ?? []) Department(d, "assisting");
        if (s.Assisting?.Contains(s.Lead ?? "") == true) problems.Add($"{name}: the lead '{s.Lead}' is also named assisting");
        if (s.Assisting is { } a && a.Distinct().Count() != a.Count) problems.Add($"{name}: an assisting department is named twice");

        var tasks = new List<PlanTask>();
        var taskShapes = s.Tasks ?? [];
        if (taskShapes.Count == 0) problems.Add($"{name} has no tasks");
        if (taskShapes.Count > MaxTasks) problems.Add($"{name} has {taskShapes.Count} tasks; at most {MaxTasks}");
        for (var t = 0; t < taskShapes.Count; t++)
        {
            var task = taskShapes[t];
            var what = $"task {t + 1}{(string.IsNullOrWhiteSpace(task.Code) ? "" : $" '{task.Code}'")}";
            var taskBefore = problems.Count;
            if (string.IsNullOrWhiteSpace(task.Code)) problems.Add($"{name}: {what} has no code");
            else if (taskShapes.Take(t).Any(o => o.Code == task.Code)) problems.Add($"{name}: {what}: the code is used twice");
            if (string.IsNullOrWhiteSpace(task.What)) problems.Add($"{name}: {what} does not say what to do");
            if (task.Department is null == task.Capability is null)
                problems.Add($"{name}: {what} must name either a department or a unit capability, not {(task.Department is null ? "neither" : "both")}");
            else if (task.Department is { } d) Department(d, what);
            else if (string.IsNullOrWhiteSpace(task.Capability)) problems.Add($"{name}: {what}: the capability is empty");
            var within = TimeSpan.TryParse(task.Within, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero ? span : (TimeSpan?)null;
            if (within is null) problems.Add($"{name}: {what}: within must be a positive duration like \"00:15:00\", not '{task.Within}'");
            if (problems.Count == taskBefore)
                tasks.Add(new PlanTask(task.Code!, task.What!.Trim(), task.Department, task.Capability?.Trim(), within!.Value));
        }
        if (s.Channels?.Any(string.IsNullOrWhiteSpace) == true) problems.Add($"{name}: a channel is empty");
        if (s.Notify?.Any(string.IsNullOrWhiteSpace) == true) problems.Add($"{name}: a notify entry is empty");

        PlanWarning? warning = null;
        if (s.Warning is { } w)
        {
            warning = new PlanWarning(w.Event?.Trim() ?? "", w.Severity ?? "", w.Urgency ?? "", w.Certainty ?? "", w.Headline?.Trim() ?? "",
                w.Instruction?.Trim() ?? "", w.Category ?? "Safety");
            // The same rules as an operation's declared warning (PlanWarningRules), said the plan file's way.
            problems.AddRange(PlanWarningRules.Validate(warning).Select(e => $"{name}: {e.Message}"));
        }

        if (problems.Count > before) return null;
        return new ContingencyPlan(s.Code!, s.Version!.Value, s.Name!.Trim(),
            new PlanTrigger(when.Categories ?? [], (Urgency)(when.MinUrgency ?? 1), when.Keywords ?? [], areas),
            level!.Value, commandLevel!.Value, s.Lead!, [.. s.Assisting ?? []], tasks, [.. s.Channels ?? []], [.. s.Notify ?? []], warning);
    }
}

public static class PlansSetup
{
    /// <summary>
    /// The plan library: the file (<c>Dispatch:Plans:File</c>) loaded, and so validated, at start-up; it seeds the stored
    /// versions on first start, and from then on the stored versions are in force (<see cref="PlanVersions"/>).
    /// </summary>
    public static WebApplicationBuilder AddPlans(this WebApplicationBuilder builder)
    {
        var file = builder.Configuration["Dispatch:Plans:File"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.Environment.ContentRootPath, PlanLibraryFile.DefaultFile);
        builder.Services.AddSingleton(sp => PlanLibraryFile.Load(file, sp.GetRequiredService<CityCatalog>(), sp.GetRequiredService<JurisdictionTree>()));
        builder.Services.AddSingleton<PlanVersions>();
        builder.Services.ConfigureMarten(opts => opts.Events.AddEventType<PlanRevised>());
        // Listening before the stored versions are read: no revision committed in between goes unheard.
        builder.Services.AddHostedService<PlanChangeListener>();
        builder.Services.AddHostedService<LoadedAtStart>();
        return builder;
    }

    /// <summary>
    /// Asks for the library as the host starts (a bad file stops start-up, not the first activation), seeds the stored
    /// versions from it where there are none, and puts the stored versions in force.
    /// </summary>
    sealed class LoadedAtStart(PlanLibrary library, PlanVersions versions, ILogger<PlanLibrary> log) : IHostedService
    {
        public async Task StartAsync(CancellationToken ct)
        {
            try
            {
                await versions.Seed(library.Plans, ct);
                await versions.LoadAll(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database is not there yet: the file's plans serve until the listener reconnects and reloads them.
                log.LogError(ex, "Could not read the stored plan versions; the plan file's are in force");
            }
            log.LogInformation("Plan library: {Count} plans ({Codes})", library.Plans.Count, string.Join(", ", library.Plans.Select(p => $"{p.Code} v{p.Version}")));
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
