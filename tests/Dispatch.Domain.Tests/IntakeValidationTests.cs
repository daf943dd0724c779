using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;

namespace Dispatch.Domain.Tests;

/// <summary>What a hotline report must look like before it becomes an incident: each bad input names its field.</summary>
public class IntakeValidationTests
{
    static readonly IReadOnlySet<string> Categories = new HashSet<string> { "roads.manhole", "water.leak", "noise" };

    static readonly IntakeForm Valid = new(
        Channel: Channel.Hotline,
        CallerName: "张伟",
        CallerPhone: "13812345678",
        Lat: 39.9087,
        Lon: 116.4605,
        Address: "北京市朝阳区建国路88号",
        Category: "roads.manhole",
        Description: "建国路88号门口井盖缺失，有行人险些跌倒",
        Urgency: 3);

    static IReadOnlyList<FieldError> Validate(IntakeForm form) => IntakeValidation.Validate(form, Categories);

    /// <summary>The form has exactly one error, on <paramref name="field"/> with <paramref name="code"/>.</summary>
    static FieldError SingleError(IntakeForm form, string field, string code)
    {
        var errors = Validate(form);
        var error = Assert.Single(errors);
        Assert.Equal((field, code), (error.Field, error.Code));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    static void NoErrors(IntakeForm form) => Assert.Empty(Validate(form));

    // ---- valid forms ------------------------------------------------------------------------------------

    [Fact]
    public void A_complete_form_has_no_errors() => NoErrors(Valid);

    [Fact]
    public void An_address_without_coordinates_is_enough() => NoErrors(Valid with { Lat = null, Lon = null });

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Coordinates_without_an_address_are_enough(string? address) => NoErrors(Valid with { Address = address });

    [Fact]
    public void An_anonymous_caller_with_no_phone_is_fine() =>
        NoErrors(Valid with { CallerName = null, CallerPhone = null });

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_blank_phone_is_no_phone(string phone) => NoErrors(Valid with { CallerPhone = phone });

    [Theory]
    [InlineData(Channel.Hotline)]
    [InlineData(Channel.Grid)]
    [InlineData(Channel.Web)]
    [InlineData(Channel.Sensor)]
    public void Every_channel_is_accepted(Channel channel) => NoErrors(Valid with { Channel = channel });

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Urgency_1_to_4_is_accepted(int urgency) => NoErrors(Valid with { Urgency = urgency });

    [Theory]
    [InlineData(90, 180)]
    [InlineData(-90, -180)]
    [InlineData(0, 0)]
    public void Coordinates_on_the_edge_of_the_range_are_accepted(double lat, double lon) =>
        NoErrors(Valid with { Lat = lat, Lon = lon });

    [Theory]
    [InlineData("张伟", "北京市朝阳区建国路88号")]
    [InlineData("欧阳娜娜", "广东省深圳市南山区科技园南区（深南大道）10000号")]
    [InlineData("Zhang Wei", "No. 88 Jianguo Road, Chaoyang District, Beijing")]
    public void Chinese_and_latin_names_and_addresses_are_accepted(string name, string address) =>
        NoErrors(Valid with { CallerName = name, Address = address });

    [Fact]
    public void Names_addresses_and_descriptions_up_to_their_limits_are_accepted() =>
        NoErrors(Valid with
        {
            CallerName = new string('张', IntakeValidation.MaxName),
            Address = new string('路', IntakeValidation.MaxAddress),
            Description = new string('述', IntakeValidation.MaxDescription),
        });

    [Fact]
    public void A_description_on_several_lines_is_accepted() =>
        NoErrors(Valid with { Description = "井盖缺失。\r\n位置：建国路88号门口\n\t已设置临时围挡" });

    // ---- phone ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("12345")]
    [InlineData("abc")]
    [InlineData("1381234567")]     // 10 digits
    [InlineData("138123456789")]   // 12 digits
    [InlineData("23812345678")]    // mobiles start with 1
    [InlineData("12812345678")]    // no 12x mobiles
    [InlineData("138-1234-567a")]
    public void A_phone_that_is_not_a_phone_number_is_refused(string phone) =>
        SingleError(Valid with { CallerPhone = phone }, "callerPhone", "callerPhone.invalid");

    [Theory]
    [InlineData("13812345678")]
    [InlineData("138 1234 5678")]
    [InlineData("+86 138-1234-5678")]
    [InlineData("010-62345678")]
    [InlineData("0755 12345678")]
    public void Mobiles_and_landlines_as_people_write_them_are_accepted(string phone) =>
        NoErrors(Valid with { CallerPhone = phone });

    // ---- location ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(91)]
    [InlineData(-91)]
    [InlineData(90.000001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_latitude_out_of_range_is_refused(double lat) =>
        SingleError(Valid with { Lat = lat }, "lat", "lat.range");

    [Theory]
    [InlineData(181)]
    [InlineData(-181)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void A_longitude_out_of_range_is_refused(double lon) =>
        SingleError(Valid with { Lon = lon }, "lon", "lon.range");

    [Fact]
    public void A_latitude_without_a_longitude_names_the_missing_longitude() =>
        SingleError(Valid with { Lon = null }, "lon", "location.half");

    [Fact]
    public void A_longitude_without_a_latitude_names_the_missing_latitude() =>
        SingleError(Valid with { Lat = null }, "lat", "location.half");

    [Fact]
    public void Half_a_coordinate_and_no_address_is_no_location()
    {
        var errors = Validate(Valid with { Lon = null, Address = null });

        Assert.Equal(
            [("lon", "location.half"), ("address", "location.required")],
            errors.Select(e => (e.Field, e.Code)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Neither_address_nor_coordinates_is_refused(string? address) =>
        SingleError(Valid with { Address = address, Lat = null, Lon = null }, "address", "location.required");

    // ---- caller name and address ------------------------------------------------------------------------

    [Theory]
    [InlineData("张\u0000伟")]
    [InlineData("Li\u0007")]
    [InlineData("\u001b[31m张伟")]
    [InlineData("张\u007f伟")]
    [InlineData("张伟\n")]
    [InlineData("张\t伟")]
    public void Control_characters_in_the_name_are_refused(string name) =>
        SingleError(Valid with { CallerName = name }, "callerName", "callerName.control");

    [Theory]
    [InlineData("建国路\u000088号")]
    [InlineData("建国路\u001b88号")]
    [InlineData("\u0008建国路88号")]
    [InlineData("建国路\n88号")]
    public void Control_characters_in_the_address_are_refused(string address) =>
        SingleError(Valid with { Address = address }, "address", "address.control");

    [Fact]
    public void A_name_over_the_limit_is_refused() =>
        SingleError(Valid with { CallerName = new string('张', IntakeValidation.MaxName + 1) },
            "callerName", "callerName.too-long");

    [Fact]
    public void An_address_over_the_limit_is_refused() =>
        SingleError(Valid with { Address = new string('路', IntakeValidation.MaxAddress + 1) },
            "address", "address.too-long");

    // ---- category ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void A_missing_category_is_refused(string? category) =>
        SingleError(Valid with { Category = category }, "category", "category.required");

    [Fact]
    public void An_unknown_category_is_refused_and_named()
    {
        var error = SingleError(Valid with { Category = "ufo.sighting" }, "category", "category.unknown");

        Assert.Contains("'ufo.sighting'", error.Message);
    }

    [Fact]
    public void A_long_unknown_category_is_cut_short_in_the_message()
    {
        var error = SingleError(Valid with { Category = new string('x', 50_000) }, "category", "category.unknown");

        Assert.Contains("'" + new string('x', 40) + "…'", error.Message);
        Assert.True(error.Message.Length < 100);
    }

    // ---- description ------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \r\n\t ")]
    public void An_empty_description_is_refused(string? description) =>
        SingleError(Valid with { Description = description }, "description", "description.required");

    [Fact]
    public void A_50_KB_description_is_refused()
    {
        var error = SingleError(Valid with { Description = new string('a', 50 * 1024) }, "description",
            "description.too-long");

        Assert.Contains("51200", error.Message);
    }

    [Fact]
    public void Control_characters_other_than_line_breaks_and_tabs_in_the_description_are_refused() =>
        Assert.Contains(Validate(Valid with { Description = "井盖缺失\u0000\u001b[2J" }), e => e.Field == "description");

    [Fact]
    public void Padding_around_a_description_does_not_count_against_the_limit() =>
        NoErrors(Valid with { Description = "  " + new string('述', IntakeValidation.MaxDescription) + "\n\n" });

    [Fact]
    public void A_description_one_over_the_limit_is_refused() =>
        SingleError(Valid with { Description = new string('述', IntakeValidation.MaxDescription + 1) },
            "description", "description.too-long");

    // ---- urgency and channel ----------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(-1)]
    [InlineData(null)]
    public void Urgency_outside_1_to_4_is_refused(int? urgency) =>
        SingleError(Valid with { Urgency = urgency }, "urgency", "urgency.range");

    [Fact]
    public void A_missing_channel_is_refused() =>
        SingleError(Valid with { Channel = null }, "channel", "channel.required");

    [Fact]
    public void An_undefined_channel_is_refused() =>
        SingleError(Valid with { Channel = (Channel)42 }, "channel", "channel.required");

    // ---- several at once --------------------------------------------------------------------------------

    [Fact]
    public void An_empty_form_reports_every_required_field()
    {
        var errors = Validate(new IntakeForm(null, null, null, null, null, null, null, null, null));

        Assert.Equal(
            [
                ("channel", "channel.required"),
                ("address", "location.required"),
                ("category", "category.required"),
                ("description", "description.required"),
                ("urgency", "urgency.range"),
            ],
            errors.Select(e => (e.Field, e.Code)));
    }

    [Fact]
    public void Several_bad_inputs_are_all_reported()
    {
        var errors = Validate(Valid with
        {
            CallerName = "张\u0000伟",
            CallerPhone = "12345",
            Lat = 91,
            Lon = -181,
            Category = "ufo.sighting",
            Description = new string('a', 50 * 1024),
            Urgency = 5,
        });

        Assert.Equal(
            [
                ("callerName", "callerName.control"),
                ("callerPhone", "callerPhone.invalid"),
                ("lat", "lat.range"),
                ("lon", "lon.range"),
                ("category", "category.unknown"),
                ("description", "description.too-long"),
                ("urgency", "urgency.range"),
            ],
            errors.Select(e => (e.Field, e.Code)));
    }
}
