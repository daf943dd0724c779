using System.Security.Cryptography;
using System.Text.Json;

namespace Dispatch.Drill;

/// <summary>
/// The passwords of the drill's units, per server, in a small file readable by its owner only
/// (<c>$XDG_STATE_HOME/dispatch-drill/units.json</c>, by default <c>~/.local/state/dispatch-drill/units.json</c>).
/// <para>
/// Why a file and not a password derived from the login: a derived password is known to everyone who can read this
/// source, and a drill unit is a real field-unit account (it may move units and resolve its department's incidents)
/// on whatever server the drill once ran against. A random password kept on the machine that registered the unit is
/// known to nobody else. The price: a unit registered from another machine (or after the file was deleted) cannot be
/// signed in as; the drill says so and leaves that unit out.
/// </para>
/// </summary>
public sealed class UnitCredentials(string directory)
{
    readonly Lock _gate = new();

    public static string DefaultDirectory =>
        System.IO.Path.Combine(
            Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state
                ? state
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"),
            "dispatch-drill");

    public string Path { get; } = System.IO.Path.Combine(directory, "units.json");

    /// <summary>The password kept for <paramref name="login"/> on <paramref name="server"/>, if any.</summary>
    public string? Find(Uri server, string login)
    {
        lock (_gate) return Read().GetValueOrDefault(Key(server))?.GetValueOrDefault(login);
    }

    /// <summary>The password kept for the login, or a new random one, written to the file before it is used.</summary>
    public string GetOrCreate(Uri server, string login)
    {
        lock (_gate)
        {
            var all = Read();
            if (!all.TryGetValue(Key(server), out var logins)) all[Key(server)] = logins = [];
            if (logins.TryGetValue(login, out var password)) return password;
            logins[login] = password = "drill-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            Write(all);
            return password;
        }
    }

    /// <summary>Every password kept for <paramref name="server"/>, by login (one read of the file for a whole fleet).</summary>
    public IReadOnlyDictionary<string, string> All(Uri server)
    {
        lock (_gate) return Read().GetValueOrDefault(Key(server)) ?? [];
    }

    /// <summary>
    /// <see cref="GetOrCreate(Uri, string)"/> for many logins with one write of the file (thousands of units would
    /// otherwise rewrite it thousands of times).
    /// </summary>
    public IReadOnlyDictionary<string, string> GetOrCreate(Uri server, IEnumerable<string> logins)
    {
        lock (_gate)
        {
            var all = Read();
            if (!all.TryGetValue(Key(server), out var kept)) all[Key(server)] = kept = [];
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var created = false;
            foreach (var login in logins)
            {
                if (!kept.TryGetValue(login, out var password))
                {
                    kept[login] = password = "drill-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
                    created = true;
                }
                result[login] = password;
            }
            if (created) Write(all);
            return result;
        }
    }

    static string Key(Uri server) => server.GetLeftPart(UriPartial.Authority).ToLowerInvariant();

    Dictionary<string, Dictionary<string, string>> Read()
    {
        if (!File.Exists(Path)) return [];
        try { return JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(File.ReadAllText(Path)) ?? []; }
        catch (JsonException e) { throw new InvalidOperationException($"{Path} is not the drill's credentials file: {e.Message}"); }
    }

    void Write(Dictionary<string, Dictionary<string, string>> all) => WritePrivate(Path, all);

    /// <summary>Writes JSON to <paramref name="path"/> readable by its owner only, whole or not at all.</summary>
    internal static void WritePrivate<T>(string path, T value)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Written aside and moved in, so a crash never leaves half a file; created owner-only, never readable by others.
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, create))
            JsonSerializer.Serialize(file, value, new JsonSerializerOptions { WriteIndented = true });
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>A session cookie as kept between runs.</summary>
public sealed record KeptCookie(string Name, string Value, string Path);

/// <summary>
/// The session cookies of the harness's units, per server, beside <see cref="UnitCredentials"/> and under the same rules
/// (<c>sessions.json</c>, owner-only): a sign-in is a deliberately slow password check on the server, and ten thousand
/// of them would cost minutes on every run. A kept session the server no longer honours (expired after 12 h, signed
/// out) is refused at connect, and the unit signs in again.
/// </summary>
public sealed class UnitSessions(string directory)
{
    public string Path { get; } = System.IO.Path.Combine(directory, "sessions.json");

    public IReadOnlyDictionary<string, List<KeptCookie>> Load(Uri server)
    {
        if (!File.Exists(Path)) return new Dictionary<string, List<KeptCookie>>();
        try
        {
            var all = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, List<KeptCookie>>>>(File.ReadAllText(Path)) ?? [];
            return all.GetValueOrDefault(Key(server)) ?? [];
        }
        catch (JsonException) { return new Dictionary<string, List<KeptCookie>>(); } // a kept session is only a shortcut
    }

    /// <summary>Replaces the sessions kept for <paramref name="server"/>.</summary>
    public void Save(Uri server, IReadOnlyDictionary<string, List<KeptCookie>> sessions)
    {
        Dictionary<string, Dictionary<string, List<KeptCookie>>> all = [];
        if (File.Exists(Path))
            try { all = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, List<KeptCookie>>>>(File.ReadAllText(Path)) ?? []; }
            catch (JsonException) { }
        all[Key(server)] = new(sessions);
        UnitCredentials.WritePrivate(Path, all);
    }

    static string Key(Uri server) => server.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
}
