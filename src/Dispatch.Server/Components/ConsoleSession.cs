using Dispatch.Server.Incidents;

namespace Dispatch.Server.Components;

/// <summary>What the person at this console chose: their operator name and the dark theme. Kept in cookies.</summary>
public sealed record ConsolePreferences
{
    public const string OperatorCookie = "dispatch-operator";
    public const string DarkCookie = "dispatch-dark";

    public string Operator { get; init; } = "";
    public bool Dark { get; init; }

    public static ConsolePreferences From(IRequestCookieCollection? cookies) => new()
    {
        Operator = Incidents.Operator.Clean(cookies?[OperatorCookie]) ?? "",
        Dark = cookies?[DarkCookie] == "1",
    };
}

/// <summary>Per-circuit state of one console.</summary>
public sealed class ConsoleSession
{
    public ConsolePreferences Preferences { get; set; } = new();

    /// <summary>Who the commands from this console are recorded as (sign-in replaces this with the user).</summary>
    public string Operator => Preferences.Operator is { Length: > 0 } name ? name : "console";

    /// <summary>The incidents this console filed, newest first (the call-taker's "what did I just file").</summary>
    public IReadOnlyList<FiledIncident> Filed => _filed;

    readonly List<FiledIncident> _filed = [];

    public void RememberFiled(FiledIncident incident)
    {
        _filed.RemoveAll(f => f.Id == incident.Id);
        _filed.Insert(0, incident);
        if (_filed.Count > 10) _filed.RemoveAt(_filed.Count - 1);
    }
}

public sealed record FiledIncident(Guid Id, string Number, string Category, DateTimeOffset At);
