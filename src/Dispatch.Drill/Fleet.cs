using System.Net;

namespace Dispatch.Drill;

/// <summary>A unit the drill means to have: call sign, sign-in, department, home town, what it can do, who is on it.</summary>
public sealed record UnitPlan(string CallSign, string Login, string Department, Area Home, IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Members);

/// <summary>A unit on the roll that the drill can sign in as.</summary>
public sealed record DrillUnit(Guid Id, string CallSign, string Login, string Password, string Department, Area Home);

/// <summary>
/// The drill's units: planned (<c>演练-城管-001</c> signing in as <c>drill-unit-001</c>, homes spread over the towns),
/// registered through <c>POST /api/units</c> by a dispatcher, or reused when an earlier run registered them already.
/// </summary>
public static class Fleet
{
    public const string CallSignPrefix = "演练";
    public const string LoginPrefix = "drill-unit";

    /// <summary>Short names for call signs; other departments use the first two characters of their Chinese name.</summary>
    static readonly Dictionary<string, string> Short = new()
    {
        ["urban-management"] = "城管", ["civil-affairs"] = "民政", ["street-office"] = "街道", ["public-security"] = "公安",
        ["fire"] = "消防", ["emergency"] = "应急", ["health"] = "卫健", ["water"] = "水务", ["transport"] = "交通",
    };

    /// <summary>What a crew of the department can do, for the recommendation's capability filter.</summary>
    public static IReadOnlyList<string> CapabilitiesOf(string department) => department switch
    {
        "urban-management" => ["enforcement", "inspection", "road-repair"],
        "civil-affairs" => ["social-assistance", "elderly-care"],
        "street-office" => ["community", "inspection"],
        "fire" => ["firefighting", "rescue"],
        "health" => ["first-aid"],
        _ => ["patrol"],
    };

    /// <summary>
    /// <paramref name="count"/> units numbered from 1: the departments taken in turn, the towns in turn (ordered by code),
    /// so the same command plans the same units every time. Another prefix and width of number make another fleet
    /// (the <c>bench</c> harness's thousands of <c>压测-城管-00001</c> / <c>bench-unit-00001</c>).
    /// </summary>
    public static IReadOnlyList<UnitPlan> Plan(int count, IReadOnlyList<CityDepartment> departments, IReadOnlyList<Area> towns,
        string callSignPrefix = CallSignPrefix, string loginPrefix = LoginPrefix, int digits = 3)
    {
        if (departments.Count == 0) throw new ArgumentException("No department to plan units for.", nameof(departments));
        if (towns.Count == 0) throw new ArgumentException("The server's jurisdiction tree has no towns.", nameof(towns));
        var ordered = towns.OrderBy(t => t.Code, StringComparer.Ordinal).ToList();
        return Enumerable.Range(1, count).Select(i =>
        {
            var department = departments[(i - 1) % departments.Count];
            var name = Short.GetValueOrDefault(department.Code) ?? (department.Zh.Length >= 2 ? department.Zh[..2] : department.Code);
            var number = i.ToString(new string('0', digits), System.Globalization.CultureInfo.InvariantCulture);
            return new UnitPlan($"{callSignPrefix}-{name}-{number}", $"{loginPrefix}-{number}", department.Code, ordered[(i - 1) % ordered.Count],
                CapabilitiesOf(department.Code), [$"演练队员{number}甲", $"演练队员{number}乙"]);
        }).ToList();
    }

    /// <summary>The towns of the server's jurisdiction tree (GET /api/jurisdictions?kind=town).</summary>
    public static async Task<IReadOnlyList<Area>> Towns(DispatchClient client, CancellationToken ct = default) =>
        Area.ReadGeoJson(await client.GetText("/api/jurisdictions?kind=town", ct));

    /// <summary>
    /// The departments to give units: <c>all</c> is every department with offices at the town level (the units' homes);
    /// otherwise one code, which must be such a department.
    /// </summary>
    public static async Task<IReadOnlyList<CityDepartment>> Departments(DispatchClient client, string choice, CancellationToken ct = default)
    {
        var all = await client.Departments(ct);
        var atTowns = all.Where(d => d.AtTowns).ToList();
        if (choice == "all") return atTowns.Count > 0 ? atTowns : throw new OptionException("--department all: the server has no department at the town level.");
        return atTowns.FirstOrDefault(d => d.Code == choice) is { } one
            ? [one]
            : throw new OptionException($"--department: '{choice}' is not a department with town offices on this server " +
                                        $"(use one of {string.Join(", ", atTowns.Select(d => d.Code))}, or all).");
    }

    /// <summary>
    /// Each planned unit, reused when the roster already has its login (or call sign) and this machine has its password,
    /// registered otherwise (<paramref name="parallel"/> registrations at a time). A unit that cannot be signed in as is
    /// left out with a line saying why. The result keeps the plan's order; <paramref name="tally"/> hears (registered, reused).
    /// </summary>
    public static async Task<IReadOnlyList<DrillUnit>> Ensure(DispatchClient dispatcher, UnitCredentials credentials, IReadOnlyList<UnitPlan> plans,
        IReadOnlyList<Area> towns, Action<string> log, CancellationToken ct = default, int parallel = 1, Action<int, int>? tally = null)
    {
        var roster = await dispatcher.Roster(ct);
        var byLogin = roster.Where(u => u.Login is not null).GroupBy(u => u.Login!).ToDictionary(g => g.Key, g => g.First());
        var byCallSign = roster.GroupBy(u => u.CallSign).ToDictionary(g => g.Key, g => g.First());
        var known = credentials.All(dispatcher.Url);
        // Passwords for the units to register, kept (in one write) before any is used.
        var fresh = credentials.GetOrCreate(dispatcher.Url,
            plans.Where(p => !byLogin.ContainsKey(p.Login) && !byCallSign.ContainsKey(p.CallSign)).Select(p => p.Login));
        var units = new DrillUnit?[plans.Count];
        int registered = 0, reused = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, plans.Count), new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct },
            async (i, ct) =>
        {
            var plan = plans[i];
            var existing = byLogin.GetValueOrDefault(plan.Login) ?? byCallSign.GetValueOrDefault(plan.CallSign);
            if (existing is not null)
            {
                if (existing.Login is null)
                {
                    log($"{existing.CallSign}: registered without a sign-in of its own, so the drill cannot be its phone; left out");
                    return;
                }
                if (known.GetValueOrDefault(existing.Login) is not { } password)
                {
                    log($"{existing.CallSign} ({existing.Login}): registered earlier, but {credentials.Path} has no password for it " +
                        "(registered from another machine?); left out");
                    return;
                }
                units[i] = new DrillUnit(existing.Id, existing.CallSign, existing.Login, password, existing.Department, HomeOf(existing, towns) ?? plan.Home);
                Interlocked.Increment(ref reused);
                return;
            }

            try
            {
                var answer = await dispatcher.Post("/api/units", new
                {
                    callSign = plan.CallSign, department = plan.Department, jurisdiction = plan.Home.Code,
                    capabilities = plan.Capabilities, members = plan.Members, login = plan.Login, password = fresh[plan.Login],
                }, ct);
                units[i] = new DrillUnit(answer.GetProperty("id").GetGuid(), plan.CallSign, plan.Login, fresh[plan.Login], plan.Department, plan.Home);
                Interlocked.Increment(ref registered);
            }
            catch (DispatchApiException e) when (e.Status is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity)
            {
                log($"{plan.CallSign} ({plan.Login}): not registered: {e.Detail ?? e.Body}; left out");
            }
        });
        log($"units: {registered} registered, {reused} reused from an earlier run, {plans.Count - registered - reused} left out");
        tally?.Invoke(registered, reused);
        return units.OfType<DrillUnit>().ToList();
    }

    /// <summary>The town a unit's home lies in (its home may be the town itself or a grid cell of it).</summary>
    static Area? HomeOf(RosterUnit unit, IReadOnlyList<Area> towns) =>
        towns.FirstOrDefault(t => unit.HomePath == t.Path || unit.HomePath.StartsWith(t.Path + "/", StringComparison.Ordinal));
}
