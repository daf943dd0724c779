using Dispatch.Domain.Access;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.City;

/// <summary>Departments exist per level (city, district, town), as configured; the catalog refuses a bad list at start-up.</summary>
public sealed class DepartmentLevelsTests
{
    /// <summary>The Dispatch:City section of the appsettings.json the server ships with (read from the source tree, not a copy).</summary>
    static CityOptions Shipped()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Infrastructure.RepoFiles.Path("src/Dispatch.Server/appsettings.json"))
            .Build();
        return configuration.GetSection(CityOptions.Section).Get<CityOptions>()!;
    }

    static CityOptions With(params DepartmentOptions[] departments) => new()
    {
        Name = "Test City",
        Categories = [new NamedCode { Code = "noise", Zh = "噪声扰民", En = "Noise" }],
        Departments = [.. departments],
    };

    static DepartmentOptions Department(string code, params string[] levels) => new() { Code = code, En = code, Levels = [.. levels] };

    [Fact]
    public void The_shipped_departments_are_accepted_each_at_its_levels()
    {
        var city = new CityCatalog(Shipped());

        Assert.Contains("street-office", city.DepartmentCodes);
        Assert.True(city.IsDepartmentAt("urban-management", JurisdictionKind.City));
        Assert.True(city.IsDepartmentAt("urban-management", JurisdictionKind.Town));
        Assert.True(city.IsDepartmentAt("fire", JurisdictionKind.District));
        Assert.False(city.IsDepartmentAt("fire", JurisdictionKind.Town));
        Assert.Equal([JurisdictionKind.City, JurisdictionKind.District], Enum.GetValues<JurisdictionKind>().Where(k => city.IsDepartmentAt("gas-utility", k)));
        Assert.Equal([JurisdictionKind.Town, JurisdictionKind.Grid], Enum.GetValues<JurisdictionKind>().Where(k => city.IsDepartmentAt("street-office", k)));
        // Every department works somewhere, and the city's own level has most of them.
        Assert.All(city.Departments, d => Assert.Contains(Enum.GetValues<JurisdictionKind>(), k => city.IsDepartmentAt(d.Code, k)));
        Assert.DoesNotContain(city.DepartmentsAt(JurisdictionKind.City), d => d.Code == "street-office");
    }

    [Fact]
    public void DepartmentsAt_gives_the_configured_departments_of_a_level_in_configured_order()
    {
        var city = new CityCatalog(With(
            Department("fire", "city", "district"), Department("street-office", "Town"), Department("gas-utility", "CITY"),
            Department("urban-management", "town", "district", "city")));

        Assert.Equal(["fire", "gas-utility", "urban-management"], city.DepartmentsAt(JurisdictionKind.City).Select(d => d.Code));
        Assert.Equal(["fire", "urban-management"], city.DepartmentsAt(JurisdictionKind.District).Select(d => d.Code));
        Assert.Equal(["street-office", "urban-management"], city.DepartmentsAt(JurisdictionKind.Town).Select(d => d.Code));
        // A grid cell has no offices of its own: its town's serve it.
        Assert.Equal(["street-office", "urban-management"], city.DepartmentsAt(JurisdictionKind.Grid).Select(d => d.Code));
        Assert.False(city.IsDepartmentAt("atlantis", JurisdictionKind.City));
        // The names still read as before.
        Assert.Equal("street-office", city.DepartmentName("street-office", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(new string[0], "department 'fire' has no levels")]
    [InlineData(new[] { "city", "province" }, "department 'fire' has unknown level 'province'")]
    [InlineData(new[] { "grid" }, "department 'fire' has unknown level 'grid'")]
    [InlineData(new[] { "" }, "department 'fire' has unknown level ''")]
    [InlineData(new[] { "city", "district", "City" }, "department 'fire' lists level 'City' twice")]
    public void A_bad_level_list_stops_start_up_naming_the_department_and_the_value(string[] levels, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new CityCatalog(With(Department("fire", levels))));

        Assert.StartsWith(CityOptions.Section, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_department_without_Levels_in_the_file_is_refused_and_every_problem_is_told_at_once()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dispatch:City:Name"] = "Test City",
            ["Dispatch:City:Categories:0:Code"] = "noise",
            ["Dispatch:City:Departments:0:Code"] = "fire",
            ["Dispatch:City:Departments:1:Code"] = "water",
            ["Dispatch:City:Departments:1:Levels:0"] = "province",
            ["Dispatch:City:Departments:2:Code"] = "street-office",
            ["Dispatch:City:Departments:2:Levels:0"] = "town",
            ["Dispatch:City:Departments:2:Levels:1"] = "town",
            ["Dispatch:City:Departments:3:Code"] = "urban-management",
            ["Dispatch:City:Departments:3:Levels:0"] = "city",
        }).Build();
        var options = configuration.GetSection(CityOptions.Section).Get<CityOptions>()!;

        var error = Assert.Throws<InvalidOperationException>(() => new CityCatalog(options));

        Assert.Contains("department 'fire' has no levels", error.Message);
        Assert.Contains("department 'water' has unknown level 'province'", error.Message);
        Assert.Contains("department 'street-office' lists level 'town' twice", error.Message);
        Assert.DoesNotContain("urban-management", error.Message);
    }
}

/// <summary>Users: a handler or field unit is granted only where their department exists.</summary>
public sealed class UsersDepartmentLevelTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    async Task<UserOutcome> Grant(Role role, string jurisdiction, string department)
    {
        var tree = app.Services.GetRequiredService<JurisdictionTree>();
        var admin = new Actor("test-admin", "Test Admin", [new Grant(Role.Admin, tree.City.Path)]);
        return await app.Services.GetRequiredService<Users>().Create(admin,
            new UserRequest(Api.Unique("u"), "测试", DispatchApp.Password, [new GrantRequest(role.ToString(), jurisdiction, department)]));
    }

    [Theory]
    [InlineData(Role.Handler, "dh", "street-office", "district")]
    [InlineData(Role.FieldUnit, "demo", "street-office", "city")]
    [InlineData(Role.Handler, "dh-01", "gas-utility", "town")]
    [InlineData(Role.FieldUnit, "dh-01-01", "fire", "town")]
    public async Task A_department_is_refused_at_a_level_where_it_does_not_exist(Role role, string jurisdiction, string department, string level)
    {
        var outcome = await Grant(role, jurisdiction, department);

        var error = Assert.Single(Assert.IsType<UserOutcome.Invalid>(outcome).Errors);
        Assert.Equal(("grants[0].department", "department.level"), (error.Field, error.Code));
        Assert.Contains($"'{department}'", error.Message);
        Assert.Contains($"{level} level", error.Message);
    }

    [Theory]
    [InlineData(Role.Handler, "dh-01", "street-office")]
    [InlineData(Role.FieldUnit, "dh-01-01", "street-office")]
    [InlineData(Role.Handler, "dh", "fire")]
    [InlineData(Role.Handler, "demo", "gas-utility")]
    [InlineData(Role.FieldUnit, "dh-01", "urban-management")]
    public async Task A_department_is_granted_at_a_level_where_it_exists(Role role, string jurisdiction, string department)
    {
        var outcome = await Grant(role, jurisdiction, department);

        var done = Assert.IsType<UserOutcome.Done>(outcome);
        Assert.Equal(department, Assert.Single(done.User.Grants).Department);
    }
}
