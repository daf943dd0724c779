using Dispatch.Domain.Access;
using Dispatch.Server.Jurisdictions;
using Marten;

namespace Dispatch.Server.Identity;

/// <summary>
/// A fresh production database has no users, so nobody could sign in to create one. When
/// <c>Dispatch:Admin:Password</c> is set (from the environment, never a file in the repository) and the database
/// has no users, this creates one city-wide administrator (<c>Dispatch:Admin:Login</c>, default "admin"), who
/// then creates everyone else. Once any user exists it does nothing.
/// </summary>
public sealed class FirstAdmin(IDocumentStore store, Users users, JurisdictionTree tree, IConfiguration configuration,
    ILogger<FirstAdmin> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        if (configuration["Dispatch:Admin:Password"] is not { Length: > 0 } password) return;
        if (password.Length < Users.MinPassword)
            throw new InvalidOperationException($"Dispatch:Admin:Password must have at least {Users.MinPassword} characters.");
        await using (var query = store.QuerySession())
            if (await query.Query<UserAccount>().AnyAsync(ct)) return;
        var login = configuration["Dispatch:Admin:Login"] is { Length: > 0 } configured ? configured : "admin";
        await users.Ensure(login, "Administrator", password, [new Grant(Role.Admin, tree.City.Path)], ct);
        log.LogInformation("Created the first administrator {Login}", login);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
