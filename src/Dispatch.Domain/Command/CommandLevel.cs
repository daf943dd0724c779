namespace Dispatch.Domain.Command;

/// <summary>
/// Where an incident is commanded: the town handles everyday matters, the district difficult ones, the city major
/// ones (市管大事、县管难事、镇管繁事). Ordered, so escalation is "one up".
/// </summary>
public enum CommandLevel { Town = 1, District = 2, City = 3 }

public static class CommandLevels
{
    /// <summary>The command centre of an incident at <paramref name="path"/> commanded at <paramref name="level"/>:
    /// the ancestor at that level (the path itself when it is placed no finer).</summary>
    public static string CentreOf(string path, CommandLevel level)
    {
        if (path.Length == 0) return path;
        var depth = level switch { CommandLevel.City => 1, CommandLevel.District => 2, _ => 3 };
        return string.Join('/', path.Split('/').Take(depth));
    }

    public static CommandLevel? Up(CommandLevel level) => level == CommandLevel.City ? null : level + 1;
    public static CommandLevel? Down(CommandLevel level) => level == CommandLevel.Town ? null : level - 1;
}
