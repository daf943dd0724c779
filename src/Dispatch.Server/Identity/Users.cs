using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Marten;
using Marten.Patching;
using Microsoft.AspNetCore.Identity;

namespace Dispatch.Server.Identity;

/// <summary>A role as an administrator gives it: at a node of the tree (by code), for a department where it needs one.</summary>
public sealed record GrantRequest(string? Role, string? Jurisdiction, string? Department = null);

public sealed record UserRequest(string? Login, string? Name, string? Password, List<GrantRequest>? Grants, bool Disabled = false);

/// <summary>A user as the admin page and API show it (never the hash).</summary>
public sealed record UserView(string Login, string Name, IReadOnlyList<GrantView> Grants, bool Disabled, DateTimeOffset UpdatedAt, string UpdatedBy);

public sealed record GrantView(Role Role, string Jurisdiction, string JurisdictionName, string? Department);

/// <summary>
/// Users and their roles: sign-in checks, and the administrator's changes. An administrator manages only users
/// whose every role lies inside the administrator's own scope, and grants only there. Every change and every
/// sign-in, good or bad, is in the audit trail.
/// </summary>
public sealed partial class Users(
    IDocumentStore store, IPasswordHasher<UserAccount> hasher, ActorDirectory actors, JurisdictionTree tree,
    CityCatalog city, TimeProvider clock)
{
    public const int MinPassword = 10;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,39}$")]
    private static partial Regex LoginPattern();

    public async Task<UserAccount?> Find(string login, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<UserAccount>(Normalize(login), ct);
    }

    /// <summary>
    /// The user when the password is theirs and they are not disabled; null otherwise (which one is not said, nor
    /// shown by the time it takes: an unknown or disabled login is checked against a dummy hash with the same work).
    /// </summary>
    public async Task<UserAccount?> CheckPassword(string? login, string? password, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password) || login.Length > 40 || password.Length > 200) return null;
        var user = await Find(login, ct);
        if (user is null || user.Disabled || user.PasswordHash.Length == 0)
        {
            hasher.VerifyHashedPassword(Nobody, DummyHash(), password);
            return null;
        }
        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.Failed) return null;
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            user.PasswordHash = hasher.HashPassword(user, password);
            await using var session = store.LightweightSession();
            session.Store(user);
            await session.SaveChangesAsync(ct);
        }
        return user;
    }

    static readonly UserAccount Nobody = new() { Id = "", Stamp = "" };

    string? _dummyHash;

    // A hash of a random password, made by the same hasher (same algorithm and iterations) as every real one.
    string DummyHash() => _dummyHash ??= hasher.HashPassword(Nobody, Guid.NewGuid().ToString("N"));

    /// <summary>
    /// Ends every session of the user, on every node (sign-out): a new stamp, told to all nodes in the same commit.
    /// Only the stamp is written, so a concurrent change by an administrator is kept.
    /// </summary>
    public async Task EndSessions(string login, CancellationToken ct = default)
    {
        var id = Normalize(login);
        await using var session = store.LightweightSession();
        session.Patch<UserAccount>(id).Set(u => u.Stamp, Guid.NewGuid().ToString("N"));
        ActorDirectory.Changed(session, id);
        await session.SaveChangesAsync(ct);
        actors.Forget(id);
    }

    public Task RecordSignIn(string login, string action, bool allowed, CancellationToken ct = default) =>
        AuditTrail.Write(store, clock, Normalize(login).Length > 40 ? Normalize(login)[..40] : Normalize(login), action, "",
            allowed ? null : "wrong name or password", allowed: allowed, ct: ct);

    /// <summary>The users an administrator manages: those whose roles all lie in the administrator's scope.</summary>
    public async Task<IReadOnlyList<UserView>> List(Actor admin, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        var all = await query.Query<UserAccount>().OrderBy(u => u.Id).ToListAsync(ct);
        return all.Where(u => Manages(admin, u.Grants)).Select(View).ToList();
    }

    public async Task<UserOutcome> Create(Actor admin, UserRequest request, CancellationToken ct = default)
    {
        var errors = new List<FieldError>();
        var login = Normalize(request.Login);
        if (!LoginPattern().IsMatch(login))
            errors.Add(new("login", "login.format", "A login is 2–40 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."));
        CheckPassword(request.Password, errors, required: true);
        var (name, grants) = Check(admin, request, errors);
        if (errors.Count > 0) return new UserOutcome.Invalid(errors);

        var user = new UserAccount
        {
            Id = login, Name = name, Grants = grants, Disabled = request.Disabled,
            UpdatedAt = clock.GetUtcNow(), UpdatedBy = admin.Login,
        };
        user.PasswordHash = hasher.HashPassword(user, request.Password!);
        await using var session = store.LightweightSession();
        session.Insert(user);
        AuditTrail.Record(session, clock, admin.Login, "user.create", ScopeOf(grants), Describe(user));
        try { await session.SaveChangesAsync(ct); }
        catch (JasperFx.DocumentAlreadyExistsException) { return new UserOutcome.Exists(login); }
        return new UserOutcome.Done(View(user));
    }

    /// <summary>Replaces name, roles and state; sets a new password when one is given. Ends the user's sessions.</summary>
    public async Task<UserOutcome> Update(Actor admin, string login, UserRequest request, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        var user = await session.LoadAsync<UserAccount>(Normalize(login), ct);
        if (user is null) return new UserOutcome.NotFound(Normalize(login));
        if (!Manages(admin, user.Grants)) return new UserOutcome.Forbidden($"{user.Id} has roles outside your scope.");
        var errors = new List<FieldError>();
        if (request.Password is not null) CheckPassword(request.Password, errors, required: false);
        var (name, grants) = Check(admin, request, errors);
        if (user.Id == admin.Login && (request.Disabled || !grants.Any(g => g.Role == Role.Admin)))
            errors.Add(new("grants", "grants.self-lockout", "You cannot disable yourself or take away your own admin role."));
        if (errors.Count > 0) return new UserOutcome.Invalid(errors);

        user.Name = name;
        user.Grants = grants;
        user.Disabled = request.Disabled;
        if (request.Password is { Length: > 0 } password) user.PasswordHash = hasher.HashPassword(user, password);
        user.Stamp = Guid.NewGuid().ToString("N");
        user.UpdatedAt = clock.GetUtcNow();
        user.UpdatedBy = admin.Login;
        session.Store(user);
        AuditTrail.Record(session, clock, admin.Login, "user.update", ScopeOf(grants),
            Describe(user) + (request.Password is { Length: > 0 } ? "; password set" : ""));
        ActorDirectory.Changed(session, user.Id);
        await session.SaveChangesAsync(ct);
        actors.Forget(user.Id);
        return new UserOutcome.Done(View(user));
    }

    /// <summary>
    /// A new account for a unit's device, with exactly the unit's field-unit role, for the dispatcher who registers the
    /// unit to insert with it; null (and <paramref name="errors"/> naming the field) when the login or password will not do.
    /// </summary>
    public UserAccount? NewDeviceAccount(string login, string name, string? password, Grant grant, string by, out List<FieldError> errors)
    {
        errors = [];
        var normalized = Normalize(login);
        if (!LoginPattern().IsMatch(normalized))
            errors.Add(new("login", "login.format", "A login is 2–40 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."));
        CheckPassword(password, errors, required: true);
        if (errors.Count > 0) return null;
        var user = new UserAccount { Id = normalized, Name = name, Grants = [grant], UpdatedAt = clock.GetUtcNow(), UpdatedBy = by };
        user.PasswordHash = hasher.HashPassword(user, password!);
        return user;
    }

    /// <summary>Creates or replaces a user without an administrator (the demo seed and first set-up).</summary>
    public async Task Ensure(string login, string name, string password, IReadOnlyList<Grant> grants, CancellationToken ct = default)
    {
        var user = new UserAccount { Id = Normalize(login), Name = name, Grants = [.. grants], UpdatedAt = clock.GetUtcNow(), UpdatedBy = "setup" };
        user.PasswordHash = hasher.HashPassword(user, password);
        await using var session = store.LightweightSession();
        session.Store(user);
        ActorDirectory.Changed(session, user.Id);
        await session.SaveChangesAsync(ct);
        actors.Forget(user.Id);
    }

    /// <summary>An admin manages a user when every role of the user lies in one of the admin's admin scopes.</summary>
    public static bool Manages(Actor admin, IEnumerable<Grant> grants) =>
        admin.Grants.Any(a => a.Role == Role.Admin) &&
        grants.All(g => admin.Grants.Any(a => a.Role == Role.Admin && AccessRules.Covers(a.Scope, g.Scope)));

    (string Name, List<Grant> Grants) Check(Actor admin, UserRequest request, List<FieldError> errors)
    {
        var name = request.Name?.Trim() ?? "";
        if (name.Length == 0) errors.Add(new("name", "name.required", "Give the person's name as colleagues read it."));
        else if (name.Length > 50 || name.Any(char.IsControl)) errors.Add(new("name", "name.format", "A name is at most 50 characters, without control characters."));

        var grants = new List<Grant>();
        if (request.Grants is not { Count: > 0 })
            errors.Add(new("grants", "grants.required", "Give the user at least one role."));
        for (var i = 0; i < (request.Grants?.Count ?? 0); i++)
        {
            var g = request.Grants![i];
            var field = $"grants[{i}]";
            if (!Enum.TryParse<Role>(g.Role, ignoreCase: true, out var role) || int.TryParse(g.Role, out _))
            {
                errors.Add(new($"{field}.role", "role.unknown", $"Unknown role '{g.Role}'; use one of {string.Join(", ", Enum.GetNames<Role>())}."));
                continue;
            }
            if (g.Jurisdiction is null || tree.Find(g.Jurisdiction.Trim()) is not { } node)
            {
                errors.Add(new($"{field}.jurisdiction", "jurisdiction.unknown", $"Unknown jurisdiction '{g.Jurisdiction}'."));
                continue;
            }
            if (node.Kind == JurisdictionKind.Grid && role is not (Role.FieldUnit or Role.Handler))
                errors.Add(new($"{field}.jurisdiction", "jurisdiction.grid", "Command centres are at city, district and town: choose one of those for this role."));
            string? department = null;
            if (Grant.NeedsDepartment(role))
            {
                department = g.Department?.Trim();
                if (string.IsNullOrEmpty(department) || !city.DepartmentCodes.Contains(department))
                    errors.Add(new($"{field}.department", "department.unknown", $"A {role} works for a department: name a known one."));
                // A department works only at the levels configured for it: no street office at a district.
                else if (!city.IsDepartmentAt(department, node.Kind))
                    errors.Add(new($"{field}.department", "department.level",
                        $"Department '{department}' does not exist at {CityCatalog.LevelOf(node.Kind).ToString().ToLowerInvariant()} level: " +
                        $"choose a department that does, or a node at a level where '{department}' exists."));
            }
            else if (!string.IsNullOrWhiteSpace(g.Department))
                errors.Add(new($"{field}.department", "department.not-used", $"A {role} does not work for a department; leave it empty."));
            if (!admin.Grants.Any(a => a.Role == Role.Admin && AccessRules.Covers(a.Scope, node.Path)))
                errors.Add(new($"{field}.jurisdiction", "jurisdiction.outside", $"{node.Name} lies outside the scope you administer."));
            grants.Add(new Grant(role, node.Path, department));
        }
        return (name, grants.Distinct().ToList());
    }

    static void CheckPassword(string? password, List<FieldError> errors, bool required)
    {
        if (string.IsNullOrEmpty(password))
        {
            if (required) errors.Add(new("password", "password.required", $"Give a password of at least {MinPassword} characters."));
        }
        else if (password.Length < MinPassword || password.Length > 200)
            errors.Add(new("password", "password.length", $"A password has {MinPassword} to 200 characters."));
    }

    UserView View(UserAccount u) => new(u.Id, u.Name,
        u.Grants.Select(g => new GrantView(g.Role, Code(g.Scope), tree.NameOf(g.Scope), g.Department)).ToList(),
        u.Disabled, u.UpdatedAt, u.UpdatedBy);

    static string Describe(UserAccount u) =>
        $"{u.Id} ({u.Name}){(u.Disabled ? " disabled" : "")}: " +
        string.Join(", ", u.Grants.Select(g => $"{g.Role}@{Code(g.Scope)}{(g.Department is null ? "" : "/" + g.Department)}"));

    /// <summary>The widest node among the grants, so audit readers of that part of the city see the change.</summary>
    static string ScopeOf(IEnumerable<Grant> grants) =>
        grants.Select(g => g.Scope).OrderBy(s => s.Count(c => c == '/')).FirstOrDefault() ?? "";

    public static string Code(string path) => path[(path.LastIndexOf('/') + 1)..];

    static string Normalize(string? login) => (login ?? "").Trim().ToLowerInvariant();
}

public abstract record UserOutcome
{
    public sealed record Done(UserView User) : UserOutcome;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : UserOutcome;
    public sealed record NotFound(string Login) : UserOutcome;
    public sealed record Exists(string Login) : UserOutcome;
    public sealed record Forbidden(string Why) : UserOutcome;
}
