using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;

namespace Dispatch.Server.Demo;

/// <summary>
/// One demo user per role at each level of the demo city: the city, district 东湖区 (dh) and its town 东湖镇
/// (dh-04, where the demo seed's 东湖区 addresses lie). Logins read <c>level.role</c> (<c>city.dispatcher</c>,
/// <c>dh.leader</c>, <c>dh-04.handler</c>); all share the
/// demo password (docs/access.md). Missing demo users are created when the demo seed is on; the list is printed only
/// by the embedded run (<c>deploy/console</c>), never in production settings.
/// </summary>
public sealed class DemoUsersSeed(Users users, JurisdictionTree tree, IConfiguration configuration,
    ILogger<DemoUsersSeed> log) : IHostedService
{
    public const string DefaultPassword = "dispatch-demo";
    /// <summary>Departments of the demo's handlers and field units: urban management handles the most matters.</summary>
    public const string Department = "urban-management";

    public static readonly (string Prefix, string Code)[] Levels = [("city", DemoCityMap.CityCode), ("dh", "dh"), ("dh-04", "dh-04")];

    static readonly (string Login, Role Role, string Zh)[] Roles =
    [
        ("calltaker", Role.CallTaker, "话务员"), ("dispatcher", Role.Dispatcher, "调度员"), ("handler", Role.Handler, "城管处置员"),
        ("unit", Role.FieldUnit, "城管队员"), ("leader", Role.Leader, "值班领导"), ("admin", Role.Admin, "系统管理员"),
    ];

    /// <summary>Every demo user: login, display name and the one role it holds.</summary>
    public static IEnumerable<(string Login, string Name, Grant Grant)> All(JurisdictionTree tree) =>
        from level in Levels
        let node = tree.Find(level.Code)
        where node is not null
        from role in Roles
        select ($"{level.Prefix}.{role.Login}", $"{(node.Kind == JurisdictionKind.City ? "市级" : node.Name)}{role.Zh}",
            new Grant(role.Role, node.Path, Grant.NeedsDepartment(role.Role) ? Department : null));

    public async Task StartAsync(CancellationToken ct)
    {
        var password = Password(configuration);
        var all = All(tree).ToList();
        // Each demo user that is missing is created (a database kept from an older demo gains the new ones);
        // one that exists is left as its administrator keeps it.
        var created = 0;
        foreach (var (login, name, grant) in all)
        {
            // The demo unit's sign-in is made with the unit itself (DemoUnitSeed), as registering a unit does.
            if (login == DemoUnitSeed.Login || await users.Find(login, ct) is not null) continue;
            await users.Ensure(login, name, password, [grant], ct);
            created++;
        }
        if (created == 0) return;
        log.LogInformation("Seeded {Count} demo users", created);

        // Printed for the person who just ran deploy/console; a configured (production) database never sees this.
        if (configuration.GetValue<bool>(Storage.EmbeddedPostgres.InUseKey))
        {
            Console.WriteLine();
            Console.WriteLine($"Demo users (password for all: {password}):");
            foreach (var (login, name, grant) in all)
                Console.WriteLine($"  {login,-18} {grant.Role,-11} {grant.Scope,-16} {grant.Department,-17} {name}");
            Console.WriteLine();
        }
    }

    /// <summary>The demo users' password: <c>Dispatch:Demo:Password</c> when set (long enough), else <see cref="DefaultPassword"/>.</summary>
    public static string Password(IConfiguration configuration) =>
        configuration["Dispatch:Demo:Password"] is { Length: >= Users.MinPassword } configured ? configured : DefaultPassword;

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
