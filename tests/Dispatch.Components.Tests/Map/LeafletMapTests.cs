using System.Text.Json;
using Bunit;
using Dispatch.Server.Components.Map;
using Dispatch.Server.Map;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.JSInterop;

namespace Dispatch.Components.Tests.Map;

/// <summary>
/// Our Leaflet component against bUnit's JS interop in strict mode: every call it makes to map.js must be one we
/// expect (create, apply, dispose), with the arguments the module reads.
/// </summary>
public sealed class LeafletMapTests : IDisposable
{
    readonly BunitContext _ctx = new();
    readonly Dispatch.Server.Tests.Infrastructure.ManualClock _clock = new(DateTimeOffset.Parse("2026-11-23T09:00:00+08:00"));
    readonly BunitJSModuleInterop _map;
    static readonly MapOutline Outline = new([new MapArea("dh", "东湖区", "district", [[[[31.2, 121.4], [31.3, 121.4], [31.3, 121.5], [31.2, 121.4]]]])],
        [[31.2, 121.4], [31.3, 121.5]]);

    public LeafletMapTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Strict;
        _ctx.Services.AddSingleton(MapSettings.Offline);
        _ctx.Services.AddSingleton<TimeProvider>(_clock);
        var module = _ctx.JSInterop.SetupModule("./js/map.js");
        _map = module.SetupModule(invocation => invocation.Identifier == "create");
        _map.Mode = JSRuntimeMode.Strict;
        _map.SetupVoid("apply", _ => true).SetVoidResult();
        _map.SetupVoid("dispose").SetVoidResult();
    }

    static MapMarker Unit(Guid id, double lat) => new(id, lat, 121.47, "map-unit unit-status-Available", "东湖-01", "东湖-01");

    static JsonElement Json(object? argument) => JsonSerializer.SerializeToElement(argument, JsonSerializerOptions.Web);

    [Fact]
    public async Task The_map_is_created_with_the_outline_and_every_marker_then_moves_go_as_one_batch_of_deltas()
    {
        var units = new MapLayer();
        var ids = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToList();
        units.Reset(ids.Select((id, i) => Unit(id, 31.2 + i * 1e-3)));

        var cut = _ctx.Render<LeafletMap>(p => p.Add(m => m.Outline, Outline).Add(m => m.Units, units).Add(m => m.Batch, TimeSpan.FromMilliseconds(50)));

        var create = Assert.Single(_ctx.JSInterop.Invocations, i => i.Identifier == "create");
        var options = Json(create.Arguments[1]);
        Assert.Equal("dh", options.GetProperty("areas")[0].GetProperty("code").GetString());
        Assert.Equal(50, options.GetProperty("changes").GetProperty("u").GetProperty("p").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, options.GetProperty("tiles").ValueKind);

        // Three of fifty move, several times each, within one batch window: nothing goes before the window closes,
        // then one call with three moves.
        await cut.InvokeAsync(() =>
        {
            foreach (var step in new[] { 1e-4, 2e-4, 3e-4 })
                foreach (var id in ids.Take(3)) units.Set(Unit(id, units.Find(id)!.Lat + step));
        });
        _clock.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Empty(_map.Invocations["apply"]);
        _clock.Advance(TimeSpan.FromMilliseconds(1));

        // The timer's callback runs on the thread pool: wait for its call (no render to wait on: the page does not re-render).
        await Until(() => _map.Invocations["apply"].Count > 0);
        Assert.Single(_map.Invocations["apply"]);
        var batch = Json(_map.Invocations["apply"].Single().Arguments[0]).GetProperty("u");
        Assert.Equal(3, batch.GetProperty("m").GetArrayLength());
        Assert.Equal(0, batch.GetProperty("p").GetArrayLength());
        Assert.Equal(3, batch.GetProperty("m")[0].GetArrayLength()); // [key, lat, lon]
        Assert.Equal(1, cut.Instance.Batches);
    }

    [Fact]
    public async Task Disposing_tells_the_module_and_a_browser_already_gone_is_no_error()
    {
        var cut = _ctx.Render<LeafletMap>(p => p.Add(m => m.Outline, Outline));
        await _ctx.DisposeComponentsAsync();
        Assert.Single(_map.Invocations["dispose"]);

        // The circuit went with its browser: disposing must not throw.
        _map.SetupVoid("dispose").SetException(new JSDisconnectedException("The browser is gone."));
        _ctx.Render<LeafletMap>(p => p.Add(m => m.Outline, Outline));
        await _ctx.DisposeComponentsAsync();
        Assert.Equal(2, _map.Invocations["dispose"].Count);
    }

    static async Task Until(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Dispatch.Components.Tests.Infrastructure.Waits.Push);
        while (!condition()) await Task.Delay(5, timeout.Token);
    }

    public void Dispose() => _ctx.Dispose();
}
