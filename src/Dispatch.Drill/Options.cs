using System.Globalization;

namespace Dispatch.Drill;

/// <summary>A bad command line: the message names the option and what is wrong with it.</summary>
public sealed class OptionException(string message) : Exception(message);

/// <summary>
/// The command line: a command, then <c>--name value</c> pairs and <c>--flag</c>s. Each command reads the options it
/// knows with a default; <see cref="RejectUnknown"/> then refuses any it did not read, so a typo is an error and not a
/// silently ignored default.
/// </summary>
public sealed class Options
{
    readonly Dictionary<string, string?> _given = new(StringComparer.Ordinal);
    readonly HashSet<string> _read = new(StringComparer.Ordinal);

    Options(string command) => Command = command;

    public string Command { get; }

    public static Options Parse(string[] args)
    {
        var options = new Options(args.FirstOrDefault() ?? "");
        for (var i = 1; i < args.Length; i++)
        {
            var name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
                throw new OptionException($"'{name}' is not an option (options start with --).");
            string? value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            if (!options._given.TryAdd(name, value)) throw new OptionException($"{name} is given twice.");
        }
        return options;
    }

    public string String(string name, string fallback)
    {
        _read.Add(name);
        if (!_given.TryGetValue(name, out var value)) return fallback;
        return string.IsNullOrWhiteSpace(value) ? throw new OptionException($"{name} needs a value.") : value;
    }

    public Uri Url(string name = "--url", string fallback = "http://localhost:5080")
    {
        var text = String(name, fallback);
        return Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new OptionException($"{name}: '{text}' is not an http(s) address.");
    }

    public int Int(string name, int fallback, int min = 0)
    {
        var text = String(name, fallback.ToString(CultureInfo.InvariantCulture));
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new OptionException($"{name}: '{text}' is not a whole number of at least {min}.");
    }

    public double Double(string name, double fallback, double min = 0)
    {
        var text = String(name, fallback.ToString(CultureInfo.InvariantCulture));
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= min
            ? value
            : throw new OptionException($"{name}: '{text}' is not a number of at least {min.ToString(CultureInfo.InvariantCulture)}.");
    }

    /// <summary>"10,25" → the whole numbers given (each at least <paramref name="min"/>), smallest first, each once.</summary>
    public IReadOnlyList<int> Counts(string name, string fallback, int min = 1)
    {
        var counts = new SortedSet<int>();
        foreach (var part in String(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            counts.Add(int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new OptionException($"{name}: '{part}' is not a whole number of at least {min}."));
        return counts.Count > 0 ? [.. counts] : throw new OptionException($"{name}: at least one number.");
    }

    /// <summary>A number of seconds (fractions allowed).</summary>
    public TimeSpan Seconds(string name, double fallback, double min = 0) => TimeSpan.FromSeconds(Double(name, fallback, min));

    /// <summary>A flag: present or not, without a value.</summary>
    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_given.TryGetValue(name, out var value)) return false;
        return value is null ? true : throw new OptionException($"{name} is a flag and takes no value (got '{value}').");
    }

    public void RejectUnknown()
    {
        var unknown = _given.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new OptionException($"{string.Join(", ", unknown)}: not an option of '{Command}'.");
    }
}
