using Dispatch.Domain.Intake;

namespace Dispatch.Domain.Tests;

/// <summary>What a call-taker types or pastes into a coordinate field (issue 19 item 6).</summary>
public class CoordinateTextTests
{
    [Theory]
    [InlineData("31.2331, 121.4768")]
    [InlineData("31.2331 121.4768")]
    [InlineData("31.2331,121.4768")]
    [InlineData("  31.2331 ,  121.4768  ")]
    [InlineData("31.2331;121.4768")]
    [InlineData("31.2331，121.4768")]          // full-width comma from a Chinese input method
    [InlineData("３１.２３３１，１２１.４７６８")]  // full-width digits
    [InlineData("31.2331N, 121.4768E")]
    [InlineData("31.2331 N 121.4768 E")]
    [InlineData("N31.2331 E121.4768")]
    [InlineData("121.4768E, 31.2331N")]        // hemispheres say which is which, in either order
    [InlineData("E121.4768 N31.2331")]
    [InlineData("31.2331° N, 121.4768° E")]
    [InlineData("北纬31.2331 东经121.4768")]
    [InlineData("北纬31.2331，东经121.4768")]
    [InlineData("北纬31.2331东经121.4768")]
    [InlineData("东经121.4768 北纬31.2331")]
    public void Given_a_pair_in_the_latitude_field_When_it_is_read_Then_it_is_both_coordinates(string text)
    {
        Assert.Equal(new CoordinateReading.Pair(31.2331, 121.4768), CoordinateText.Read(text, CoordinateField.Lat));
        // The same pair in the longitude field is the same two coordinates.
        Assert.Equal(new CoordinateReading.Pair(31.2331, 121.4768), CoordinateText.Read(text, CoordinateField.Lon));
    }

    [Theory]
    [InlineData("33.8688S, 151.2093E", -33.8688, 151.2093)]
    [InlineData("南纬33.8688 东经151.2093", -33.8688, 151.2093)]
    [InlineData("40.7128N 74.0060W", 40.7128, -74.006)]
    [InlineData("-33.8688, 151.2093", -33.8688, 151.2093)]
    [InlineData("31, 121", 31, 121)]
    public void Given_southern_or_western_hemispheres_When_read_Then_they_are_negative(string text, double lat, double lon) =>
        Assert.Equal(new CoordinateReading.Pair(lat, lon), CoordinateText.Read(text, CoordinateField.Lat));

    [Theory]
    [InlineData("31.2304", CoordinateField.Lat, 31.2304)]
    [InlineData(" 121.4737 ", CoordinateField.Lon, 121.4737)]
    [InlineData("-12.5", CoordinateField.Lat, -12.5)]
    [InlineData("N31.2304", CoordinateField.Lat, 31.2304)]
    [InlineData("121.4737E", CoordinateField.Lon, 121.4737)]
    [InlineData("北纬31.2304", CoordinateField.Lat, 31.2304)]
    [InlineData("31.", CoordinateField.Lat, 31)]
    [InlineData("95", CoordinateField.Lat, 95)] // one number out of range is validation's ("between -90 and 90"), not unreadable
    public void Given_one_number_When_read_Then_it_is_that_fields_number(string text, CoordinateField field, double value) =>
        Assert.Equal(new CoordinateReading.Number(value), CoordinateText.Read(text, field));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Given_nothing_When_read_Then_it_is_blank(string? text) =>
        Assert.IsType<CoordinateReading.Blank>(CoordinateText.Read(text, CoordinateField.Lat));

    [Theory]
    [InlineData("31.233121.4768")]       // what issue 19 saw stored: two numbers run together
    [InlineData("31.2331, 121.4768, 5")] // three numbers
    [InlineData("31.2331,")]              // half a pair
    [InlineData("121.4768, 31.2331")]     // longitude first without hemispheres: latitude 121 is no latitude
    [InlineData("31.2331N 121.4768N")]    // two latitudes
    [InlineData("31.2331E")]              // a longitude in the latitude field
    [InlineData("N-31.2331")]             // south, said two ways at once
    [InlineData("31.2331N121.4768E")]
    [InlineData("abc")]
    [InlineData("1e5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("31.2.3")]
    [InlineData("人民路128号")]
    [InlineData("1234.5")]
    public void Given_text_that_is_neither_a_number_nor_a_pair_When_read_Then_it_is_unreadable(string text) =>
        Assert.IsType<CoordinateReading.Unreadable>(CoordinateText.Read(text, CoordinateField.Lat));

    [Fact]
    public void Given_a_pair_typed_key_by_key_When_each_prefix_is_read_Then_it_is_a_pair_from_the_first_digit_of_the_longitude_on()
    {
        // Reading a half-typed pair as a pair is harmless now: the form keeps the text as typed and only mirrors the other half.
        const string typed = "31.2331, 121.4768";
        Assert.Equal(new CoordinateReading.Pair(31.2331, 1), CoordinateText.Read(typed[..10], CoordinateField.Lat));
        Assert.Equal(new CoordinateReading.Pair(31.2331, 121.4768), CoordinateText.Read(typed, CoordinateField.Lat));
        Assert.IsType<CoordinateReading.Unreadable>(CoordinateText.Read(typed[..8], CoordinateField.Lat));
    }

    [Theory]
    [InlineData(121.4737, "121.4737")]
    [InlineData(31.23040000001, "31.2304")]
    [InlineData(-0.5, "-0.5")]
    public void Given_a_number_When_formatted_Then_it_is_invariant_with_at_most_six_decimals(double value, string text) =>
        Assert.Equal(text, CoordinateText.Format(value));
}
