using Dispatch.Domain.Chat;

namespace Dispatch.Server.Components.Chat;

/// <summary>One suggestion for the word being typed: what replaces the word, and how the list shows it.</summary>
public sealed record Completion(string Insert, string Label, string? Detail = null);

/// <summary>A name the message box can complete, with a word about it (a unit's department, an incident's category).</summary>
public sealed record Nameable(string Name, string? Detail = null);

/// <summary>
/// What the message box may suggest: the reader's visible incidents (board cards), the units in their scope, people
/// and departments. Loaded once per page; <see cref="ChatCompletions"/> picks from it as the person types.
/// </summary>
public sealed record CompletionSources(
    IReadOnlyList<Nameable> Incidents, IReadOnlyList<Nameable> Units, IReadOnlyList<Nameable> People, IReadOnlyList<Nameable> Departments)
{
    public static readonly CompletionSources None = new([], [], [], []);
}

/// <summary>
/// Autocomplete for the message box, pure. The word being typed is the text after the last white space: <c>/as</c> at
/// the start completes a command, <c>#0042</c> an incident number, <c>@王</c> a person, a unit or a department, and the
/// argument of <c>/assign</c> and <c>/status</c> a unit's call sign (or, for <c>/assign</c>, a department).
/// </summary>
public static class ChatCompletions
{
    public const int Max = 8;

    /// <param name="describe">A command's summary in the reader's language.</param>
    public static IReadOnlyList<Completion> For(string? text, CompletionSources sources, Func<CommandHelp, string>? describe = null)
    {
        if (string.IsNullOrEmpty(text)) return [];
        var (start, word) = Word(text);
        var line = text.TrimStart();
        if (line.StartsWith('/') && start == text.Length - line.Length)
            return [.. SlashCommands.Complete(word).Select(h => new Completion("/" + h.Name, h.Usage, describe?.Invoke(h) ?? h.Summary))];
        if (word.StartsWith('#'))
            return Pick(sources.Incidents, word[1..], "#");
        if (word.StartsWith('@'))
            return Pick([.. sources.People, .. sources.Units, .. sources.Departments], word[1..], "@");

        // The argument of a command that names a unit (or a department).
        var command = line.StartsWith('/') ? line[1..].Split((char[]?)null, 2)[0].ToLowerInvariant() : null;
        return command switch
        {
            "assign" when !word.StartsWith('+') => Pick([.. sources.Units, .. sources.Departments], word, ""),
            "assign" => Pick(sources.Departments, word[1..], "+"),
            "status" => Pick(sources.Units, word, ""),
            _ => [],
        };
    }

    /// <summary>The text with the word being typed replaced by <paramref name="completion"/>, and a space to go on.</summary>
    public static string Accept(string text, Completion completion) => text[..Word(text).Start] + completion.Insert + " ";

    /// <summary>The word being typed: from after the last white space to the end (empty after a space).</summary>
    static (int Start, string Word) Word(string text)
    {
        var start = text.Length;
        while (start > 0 && !char.IsWhiteSpace(text[start - 1])) start--;
        return (start, text[start..]);
    }

    /// <summary>
    /// Names that start with what was typed, then names that contain it, then those whose word about them does (a
    /// department by its name, an incident by its category); case does not matter.
    /// </summary>
    static IReadOnlyList<Completion> Pick(IEnumerable<Nameable> names, string typed, string prefix) =>
        [.. names.Select(n => (Name: n, Rank: Rank(n, typed))).Where(x => x.Rank < 3)
            .OrderBy(x => x.Rank).ThenBy(x => x.Name.Name, StringComparer.Ordinal)
            .Select(x => x.Name).DistinctBy(n => n.Name).Take(Max)
            .Select(n => new Completion(prefix + n.Name, prefix + n.Name, n.Detail))];

    static int Rank(Nameable n, string typed) =>
        n.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase) ? 0
        : n.Name.Contains(typed, StringComparison.OrdinalIgnoreCase) ? 1
        : typed.Length > 0 && n.Detail?.Contains(typed, StringComparison.OrdinalIgnoreCase) == true ? 2
        : 3;
}
