namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>Files of the repository itself (the plan library, the demo scenarios), found above the test assembly.</summary>
public static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Dispatch.sln"))) return dir.FullName;
        throw new InvalidOperationException("Dispatch.sln not found above the test assembly.");
    }
}
