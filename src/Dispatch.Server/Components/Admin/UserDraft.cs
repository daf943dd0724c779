using Dispatch.Domain.Access;
using Dispatch.Server.Identity;

using static Dispatch.Server.Components.Shared.TypedText;

namespace Dispatch.Server.Components.Admin;

/// <summary>
/// What the administrator has typed into the user form, kept as typed (a refused save loses nothing), and its
/// translation into the <see cref="UserRequest"/> that <see cref="Users"/> checks.
/// </summary>
public sealed class UserDraft
{
    public string? Login { get; set; }
    public string? Name { get; set; }
    /// <summary>The password for a new user; for an existing one a new password, or blank to keep the old.</summary>
    public string? Password { get; set; }
    public bool Disabled { get; set; }
    public List<GrantDraft> Grants { get; set; } = [new()];

    /// <summary>A form for an existing user: what they have now, no password.</summary>
    public static UserDraft From(UserView user) => new()
    {
        Login = user.Login,
        Name = user.Name,
        Disabled = user.Disabled,
        Grants = user.Grants.Select(g => new GrantDraft { Role = g.Role, Jurisdiction = g.Jurisdiction, Department = g.Department }).ToList(),
    };

    /// <summary>
    /// The request to send. Every role row is sent as it stands, in order, so the store's errors
    /// (<c>grants[1].jurisdiction</c>) point at the row on the screen. A blank password on an edit keeps the old one.
    /// </summary>
    public UserRequest ToRequest(bool existing) => new(
        Login: existing ? null : Login?.Trim(),
        Name: Name,
        Password: existing && string.IsNullOrEmpty(Password) ? null : Password ?? "",
        Grants: Grants.Select(g => g.ToRequest()).ToList(),
        Disabled: Disabled);
}

/// <summary>One role row of the user form.</summary>
public sealed class GrantDraft
{
    public Role? Role { get; set; }
    /// <summary>The jurisdiction's code (<c>dh-01</c>), as the picker gives it.</summary>
    public string? Jurisdiction { get; set; }
    public string? Department { get; set; }

    /// <summary>Whether the row asks for a department (handlers and field units work for one).</summary>
    public bool NeedsDepartment => Role is { } role && Grant.NeedsDepartment(role);

    /// <summary>Changes the role; a department only stays while the role works for one.</summary>
    public void SetRole(Role? role)
    {
        Role = role;
        if (!NeedsDepartment) Department = null;
    }

    public GrantRequest ToRequest() => new(Role?.ToString(), Blank(Jurisdiction), NeedsDepartment ? Blank(Department) : null);
}
