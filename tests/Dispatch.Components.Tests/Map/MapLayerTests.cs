using Dispatch.Server.Components.Map;
using Dispatch.Server.Map;

namespace Dispatch.Components.Tests.Map;

/// <summary>A map layer sends the browser only what changed since its last batch, coalesced.</summary>
public class MapLayerTests
{
    static readonly MapSettings Wgs84 = MapSettings.Offline;
    static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid();

    static MapMarker Unit(Guid id, double lat, string look = "map-unit unit-status-Available") => new(id, lat, 121.47, look, "东湖-01", "东湖-01 · Available");

    [Fact]
    public void The_first_batch_puts_every_marker_then_nothing_is_left()
    {
        var layer = new MapLayer();
        layer.Reset([Unit(A, 31.23), Unit(B, 31.24)]);

        var first = layer.TakeChanges(Wgs84)!;

        Assert.Equal(2, first.P.Count);
        Assert.Empty(first.M);
        Assert.Empty(first.R);
        Assert.Null(layer.TakeChanges(Wgs84));
    }

    [Fact]
    public void A_move_is_key_and_position_only_a_new_look_is_a_put_and_a_removal_is_a_key()
    {
        var layer = new MapLayer();
        layer.Reset([Unit(A, 31.23), Unit(B, 31.24), Unit(C, 31.25)]);
        var keys = layer.TakeChanges(Wgs84)!.P.ToDictionary(p => Guid.Parse((string)p[1]), p => (int)p[0]);

        layer.Set(Unit(A, 31.231));
        layer.Set(Unit(B, 31.24, look: "map-unit unit-status-EnRoute"));
        layer.Remove(C);
        var batch = layer.TakeChanges(Wgs84)!;

        Assert.Equal([keys[A], 31.231, 121.47], Assert.Single(batch.M));
        Assert.Equal(keys[B], (int)Assert.Single(batch.P)[0]);
        Assert.Equal(keys[C], Assert.Single(batch.R));
        Assert.Equal(B, layer.IdOf(keys[B]));
    }

    [Fact]
    public void Several_changes_of_one_marker_between_batches_go_once_and_a_return_to_where_it_was_goes_not_at_all()
    {
        var layer = new MapLayer();
        layer.Set(Unit(A, 31.23));
        layer.Set(Unit(B, 31.24));
        layer.TakeChanges(Wgs84);

        layer.Set(Unit(A, 31.231));
        layer.Set(Unit(A, 31.232));
        layer.Set(Unit(A, 31.233));
        layer.Set(Unit(B, 31.241));
        layer.Set(Unit(B, 31.24));
        var batch = layer.TakeChanges(Wgs84)!;

        Assert.Equal(31.233, Assert.Single(batch.M)[1]);
        Assert.Empty(batch.P);
    }

    [Fact]
    public void Changed_is_raised_once_per_batch_not_once_per_change()
    {
        var layer = new MapLayer();
        var raised = 0;
        layer.Changed += () => raised++;

        for (var i = 0; i < 100; i++) layer.Set(Unit(Guid.NewGuid(), 31.23 + i * 1e-4));
        layer.TakeChanges(Wgs84);
        layer.Set(Unit(A, 31.23));

        Assert.Equal(2, raised);
    }

    [Fact]
    public void On_GCJ02_tiles_positions_go_shifted_and_stay_WGS84_in_the_layer()
    {
        var layer = new MapLayer();
        layer.Set(new MapMarker(A, 39.915, 116.404, "map-unit", "京-01", "京-01"));

        var put = Assert.Single(layer.TakeChanges(MapSettings.Offline with { Datum = TileDatum.Gcj02 })!.P);

        Assert.Equal(39.916404, (double)put[2]);
        Assert.Equal(116.410244, (double)put[3]);
        Assert.Equal(39.915, layer.Find(A)!.Lat);
    }
}
