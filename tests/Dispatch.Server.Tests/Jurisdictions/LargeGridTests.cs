using System.Globalization;
using Dispatch.Server.Jurisdictions;
using static Dispatch.Server.Tests.Jurisdictions.Sample;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>A city of real size: thousands of cells load, validate and place (speed is for benchmarks, not tests).</summary>
public sealed class LargeGridTests
{
    const int Side = 60; // 3,600 cells in one town, the worst case for the sibling checks

    [Fact]
    public void Given_a_town_of_thousands_of_square_cells_when_loaded_then_every_cell_centre_is_placed_in_its_cell()
    {
        const double size = 0.2 / Side;
        var features = new List<string> { Feature("c", "", "city", Whole), Feature("d", "c", "district", Whole), Feature("t", "d", "town", Whole) };
        for (var row = 0; row < Side; row++)
        for (var col = 0; col < Side; col++)
            features.Add(Feature(Code(row, col), "t", "grid", Box(121.0 + col * size, 31.0 + row * size, 121.0 + (col + 1) * size, 31.0 + (row + 1) * size)));

        var tree = JurisdictionFile.Read(Collection([.. features]));

        Assert.Equal(Side * Side, tree.Children("t").Count);
        for (var row = 0; row < Side; row++)
        for (var col = 0; col < Side; col++)
            Assert.Equal(Code(row, col), tree.Place(31.0 + (row + 0.5) * size, 121.0 + (col + 0.5) * size).Grid?.Code);
    }

    static string Code(int row, int col) => string.Create(CultureInfo.InvariantCulture, $"g{row:00}-{col:00}");
}
