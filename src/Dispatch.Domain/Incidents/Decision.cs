namespace Dispatch.Domain.Incidents;

/// <summary>
/// A rule said no. <see cref="Code"/> is stable (the UI localizes by it); <see cref="Template"/> is the
/// English wording with <c>{0}</c>-style places for <see cref="Args"/>.
/// </summary>
public sealed record Refusal(string Code, string Template, params object[] Args)
{
    public string Message => string.Format(System.Globalization.CultureInfo.InvariantCulture, Template, Args);
    public override string ToString() => $"{Code}: {Message}";
}

/// <summary>The outcome of deciding a command: the events to append, or why not.</summary>
public sealed record Decision(IReadOnlyList<object> Events, Refusal? Refusal)
{
    public bool IsRefused => Refusal is not null;

    public static Decision Accept(params object[] events) => new(events, null);

    public static Decision Refuse(string code, string template, params object[] args) =>
        new([], new Refusal(code, template, args));
}
