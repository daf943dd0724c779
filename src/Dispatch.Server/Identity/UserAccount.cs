using Dispatch.Domain.Access;

namespace Dispatch.Server.Identity;

/// <summary>
/// A person (or a unit's device) who signs in. Stored as a Marten document; the password only as ASP.NET Core's
/// hash. <see cref="Stamp"/> changes whenever the password, the roles or the state change, which ends every
/// session signed in before.
/// </summary>
public sealed class UserAccount
{
    /// <summary>The login name, lower case; also what every event and audit entry records as "by".</summary>
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public List<Grant> Grants { get; set; } = [];
    public bool Disabled { get; set; }
    public string Stamp { get; set; } = Guid.NewGuid().ToString("N");
    public DateTimeOffset UpdatedAt { get; set; }
    public string UpdatedBy { get; set; } = "";

    public Actor ToActor() => new(Id, Name, Grants);
}
