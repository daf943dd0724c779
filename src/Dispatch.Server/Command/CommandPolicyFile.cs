using System.Text.Json;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;

namespace Dispatch.Server.Command;

/// <summary>The routing and deadline policies the centre runs on.</summary>
public sealed record CommandPolicy(RoutingPolicy Routing, DeadlinePolicy Deadlines);

/// <summary>
/// Reads the command policy file (docs/command.md): routing rules (category × urgency × keywords → level and
/// lead department) and deadline rules (category × urgency → time to acknowledge and to resolve). A bad file stops
/// the server at start-up with a message naming each bad rule; nothing is half-loaded.
/// </summary>
public static class CommandPolicyFile
{
    public const string DefaultFile = "command-policy.json";

    sealed record FileShape(List<RoutingShape>? Routing, List<DeadlineShape>? Deadlines);
    sealed record RoutingShape(string? Name, string? Category, int? MinUrgency, List<string>? Keywords, string? Level, string? Department);
    sealed record DeadlineShape(string? Category, int? Urgency, string? Acknowledge, string? Resolve);

    public static CommandPolicy Load(string path, CityCatalog city) =>
        Parse(File.Exists(path) ? File.ReadAllText(path) : throw new InvalidOperationException($"The command policy file {path} does not exist."), city, path);

    public static CommandPolicy Parse(string json, CityCatalog city, string source = "command policy")
    {
        FileShape? shape;
        try { shape = JsonSerializer.Deserialize<FileShape>(json, JsonSerializerOptions.Web); }
        catch (JsonException ex) { throw new InvalidOperationException($"{source} is not valid JSON: {ex.Message}"); }
        var problems = new List<string>();
        var routing = Routing(shape?.Routing ?? [], city, problems);
        var deadlines = Deadlines(shape?.Deadlines ?? [], city, problems);
        if (problems.Count > 0)
            throw new InvalidOperationException($"{source} is invalid: {string.Join("; ", problems)}.");
        return new CommandPolicy(new RoutingPolicy(routing), new DeadlinePolicy(deadlines));
    }

    static List<RoutingRule> Routing(List<RoutingShape> shapes, CityCatalog city, List<string> problems)
    {
        var rules = new List<RoutingRule>();
        if (shapes.Count == 0) problems.Add("there are no routing rules");
        for (var i = 0; i < shapes.Count; i++)
        {
            var s = shapes[i];
            var name = $"routing rule {i + 1}{(string.IsNullOrWhiteSpace(s.Name) ? "" : $" '{s.Name}'")}";
            var before = problems.Count;
            if (string.IsNullOrWhiteSpace(s.Name)) problems.Add($"{name} has no name");
            else if (shapes.Take(i).Any(o => o.Name == s.Name)) problems.Add($"{name}: the name is used twice");
            var category = s.Category ?? "*";
            if (category != "*" && !city.CategoryCodes.Contains(category)) problems.Add($"{name}: unknown category '{category}'");
            if (s.MinUrgency is < 1 or > 4) problems.Add($"{name}: minUrgency must be 1–4, not {s.MinUrgency}");
            if (s.Keywords?.Any(string.IsNullOrWhiteSpace) == true) problems.Add($"{name}: a keyword is empty");
            var level = ParseLevel(s.Level);
            if (level is null) problems.Add($"{name}: level must be town, district or city, not '{s.Level}'");
            if (string.IsNullOrWhiteSpace(s.Department) || !city.DepartmentCodes.Contains(s.Department))
                problems.Add($"{name}: unknown department '{s.Department}'");
            else if (level is { } l && !city.IsDepartmentAt(s.Department, KindOf(l)))
                problems.Add($"{name}: department '{s.Department}' does not exist at {l.ToString().ToLowerInvariant()} level");
            if (problems.Count == before)
                rules.Add(new RoutingRule(s.Name!, category, (Urgency)(s.MinUrgency ?? 1), s.Keywords ?? [], level!.Value, s.Department!));
        }
        if (shapes.Count > 0 && shapes[^1] is var last && (last.Category ?? "*") != "*" | (last.MinUrgency ?? 1) != 1 | last.Keywords is { Count: > 0 })
            problems.Add($"the last routing rule must catch every matter (category \"*\", no minUrgency, no keywords) so nothing goes unrouted");
        return rules;
    }

    static List<DeadlineRule> Deadlines(List<DeadlineShape> shapes, CityCatalog city, List<string> problems)
    {
        var rules = new List<DeadlineRule>();
        if (shapes.Count == 0) problems.Add("there are no deadline rules");
        for (var i = 0; i < shapes.Count; i++)
        {
            var s = shapes[i];
            var name = $"deadline rule {i + 1} ({s.Category ?? "*"}{(s.Urgency is { } u ? $", urgency {u}" : "")})";
            var before = problems.Count;
            var category = s.Category ?? "*";
            if (category != "*" && !city.CategoryCodes.Contains(category)) problems.Add($"{name}: unknown category '{category}'");
            if (s.Urgency is < 1 or > 4) problems.Add($"{name}: urgency must be 1–4, not {s.Urgency}");
            var acknowledge = Duration(s.Acknowledge, $"{name}: acknowledge", problems);
            var resolve = Duration(s.Resolve, $"{name}: resolve", problems);
            if (acknowledge is { } a && resolve is { } r && a >= r) problems.Add($"{name}: acknowledge ({a}) must be shorter than resolve ({r})");
            if (problems.Count == before)
                rules.Add(new DeadlineRule(category, (Urgency?)s.Urgency, new Deadlines(acknowledge!.Value, resolve!.Value)));
        }
        if (shapes.Count > 0 && ((shapes[^1].Category ?? "*") != "*" || shapes[^1].Urgency is not null))
            problems.Add("the last deadline rule must catch every matter (category \"*\", no urgency)");
        return rules;
    }

    static TimeSpan? Duration(string? text, string what, List<string> problems)
    {
        if (TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero) return span;
        problems.Add($"{what} must be a positive duration like \"00:30:00\" or \"1.00:00:00\", not '{text}'");
        return null;
    }

    static CommandLevel? ParseLevel(string? text) =>
        Enum.TryParse<CommandLevel>(text, ignoreCase: true, out var level) && !int.TryParse(text, out _) ? level : null;

    public static JurisdictionKind KindOf(CommandLevel level) => level switch
    {
        CommandLevel.City => JurisdictionKind.City,
        CommandLevel.District => JurisdictionKind.District,
        _ => JurisdictionKind.Town,
    };
}

public static class CommandSetup
{
    /// <summary>The command policy, loaded (and so validated) at start-up from <c>Dispatch:Command:PolicyFile</c>.</summary>
    public static WebApplicationBuilder AddCommand(this WebApplicationBuilder builder)
    {
        var file = builder.Configuration["Dispatch:Command:PolicyFile"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.Environment.ContentRootPath, CommandPolicyFile.DefaultFile);
        builder.Services.AddSingleton(sp => CommandPolicyFile.Load(file, sp.GetRequiredService<CityCatalog>()));
        builder.Services.AddSingleton<DeadlineWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadlineWatch>());
        return builder;
    }
}
