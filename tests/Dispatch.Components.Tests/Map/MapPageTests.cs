using System.Text.Json;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests.Map;

/// <summary>
/// The map page on real services and real PostgreSQL, its map module in bUnit's strict JS interop: what a pushed
/// roster line puts on the map is only what the reader may see, and a move goes as a move.
/// </summary>
public sealed class MapPageTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    BunitJSModuleInterop _map = null!;

    protected override Task Prepare()
    {
        var module = Ctx.JSInterop.SetupModule("./js/map.js");
        _map = module.SetupModule(invocation => invocation.Identifier == "create");
        _map.Mode = JSRuntimeMode.Strict;
        _map.SetupVoid("apply", _ => true).SetVoidResult();
        _map.SetupVoid("dispose").SetVoidResult();
        return Task.CompletedTask;
    }

    // Everything the browser was told about units so far: the create call's first batch and every apply. Read on the
    // renderer's dispatcher, where the map makes its calls: pushed moves add invocations while a test reads them.
    List<JsonElement> UnitBatches() => Ctx.Renderer.Dispatcher.InvokeAsync(() => ReadUnitBatches().ToList()).GetAwaiter().GetResult();

    IEnumerable<JsonElement> ReadUnitBatches()
    {
        foreach (var call in Ctx.JSInterop.Invocations.Where(i => i.Identifier == "create"))
            if (JsonSerializer.SerializeToElement(call.Arguments[1], JsonSerializerOptions.Web).GetProperty("changes") is { ValueKind: JsonValueKind.Object } c &&
                c.GetProperty("u") is { ValueKind: JsonValueKind.Object } u) yield return u;
        foreach (var call in _map.Invocations["apply"])
            if (JsonSerializer.SerializeToElement(call.Arguments[0], JsonSerializerOptions.Web).GetProperty("u") is { ValueKind: JsonValueKind.Object } u)
                yield return u;
    }

    IEnumerable<string> PutIds() => UnitBatches().SelectMany(b => b.GetProperty("p").EnumerateArray()).Select(p => p[1].GetString()!);

    IEnumerable<double> MovedLats() => UnitBatches().SelectMany(b => b.GetProperty("m").EnumerateArray()).Select(m => m[1].GetDouble());

    static async Task Until(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Waits.Push);
        while (!condition()) await Task.Delay(10, timeout.Token);
    }

    [Fact]
    public async Task A_town_dispatchers_map_takes_pushed_units_of_the_town_only_and_a_move_goes_as_a_move()
    {
        var (lat, lon) = (31.2078, 121.4846);
        var town = App.TownAt(lat, lon);
        var elsewhere = App.Services.GetRequiredService<JurisdictionTree>().Place(31.2477, 121.4591).Town!.Path;
        SignIn(new Actor("map-town", "Town dispatcher", [new Grant(Role.Dispatcher, town)]));

        var cut = Ctx.Render<MapPage>();
        cut.WaitForElement("[data-testid=dispatcher-map]", Waits.Push);
        await Until(() => Ctx.Renderer.Dispatcher.InvokeAsync(() => Ctx.JSInterop.Invocations.Any(i => i.Identifier == "create")).GetAwaiter().GetResult());

        // Registered and on duty after the page loaded: both arrive only as pushes.
        var outside = await App.Unit("地图-外", elsewhere, 31.2477, 121.4591);
        var inside = await App.Unit("地图-内", town, lat, lon);
        await Until(() => PutIds().Contains(inside.ToString()));

        await App.Move(outside, new ReportPosition(31.2487, 121.4591, 8, DateTimeOffset.UtcNow, ""));
        await App.Move(inside, new ReportPosition(lat + 0.001, lon, 8, DateTimeOffset.UtcNow, ""));
        await Until(() => MovedLats().Contains(Math.Round(lat + 0.001, 6)));

        Assert.Single(PutIds(), id => id == inside.ToString());
        Assert.DoesNotContain(outside.ToString(), PutIds());
        cut.WaitForAssertion(() => Assert.Contains("1 units", cut.Find("[data-testid=map-unit-count]").TextContent));
    }
}
