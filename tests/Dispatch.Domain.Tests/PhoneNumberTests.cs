using Dispatch.Domain.Intake;

namespace Dispatch.Domain.Tests;

public class PhoneNumberTests
{
    [Theory]
    [InlineData("13812345678", "13812345678")]
    [InlineData("138 1234 5678", "13812345678")]
    [InlineData("138-1234-5678", "13812345678")]
    [InlineData(" 13812345678 ", "13812345678")]
    [InlineData("+86 138-1234-5678", "13812345678")]
    [InlineData("+8613812345678", "13812345678")]
    [InlineData("8613812345678", "13812345678")]
    [InlineData("0086 138 1234 5678", "13812345678")]
    [InlineData("19912345678", "19912345678")]
    [InlineData("010-62345678", "01062345678")]
    [InlineData("(010) 62345678", "01062345678")]
    [InlineData("0755 12345678", "075512345678")]
    [InlineData("0571-8765432", "05718765432")]
    public void Mobiles_and_landlines_normalize_to_digits(string text, string expected) =>
        Assert.Equal(expected, PhoneNumber.Normalize(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("12345")]
    [InlineData("abc")]
    [InlineData("1381234567")]    // 10 digits
    [InlineData("138123456789")]  // 12 digits
    [InlineData("23812345678")]   // a mobile starts with 1
    [InlineData("12812345678")]   // … and then 3–9
    [InlineData("138.1234.5678")]
    [InlineData("138 1234 5678 转 8")]
    [InlineData("62345678")]      // a landline without its area code
    [InlineData("+44 20 7946 0958")]
    public void Text_that_is_not_a_phone_number_normalizes_to_null(string? text) =>
        Assert.Null(PhoneNumber.Normalize(text));

    [Theory]
    [InlineData("13812345678", true)]
    [InlineData("01062345678", false)]
    [InlineData("075512345678", false)]
    public void A_normalized_number_is_a_mobile_or_a_landline(string normalized, bool mobile) =>
        Assert.Equal(mobile, PhoneNumber.IsMobile(normalized));

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("01062345678", "010****5678")]
    [InlineData("075512345678", "075****5678")]
    [InlineData("12345678", "123****5678")]
    [InlineData("1234567", "*******")]
    [InlineData("123", "***")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Mask_hides_the_middle_of_a_number(string? phone, string masked) =>
        Assert.Equal(masked, PhoneNumber.Mask(phone));

    [Fact]
    public void A_foreign_country_code_is_not_a_chinese_number()
    {
        Assert.Null(PhoneNumber.Normalize("+1 415 555 0100"));
        Assert.Null(PhoneNumber.Normalize("138+1234+5678"));
    }

    [Fact]
    public void A_landline_in_international_form_normalizes_with_its_trunk_zero()
    {
        Assert.Equal("01062345678", PhoneNumber.Normalize("+86 10 6234 5678"));
        Assert.Equal("01062345678", PhoneNumber.Normalize("0086 10 6234 5678"));
    }

    [Theory]
    [InlineData("１３８１２３４５６７８", "13812345678")]
    [InlineData("１３８－１２３４－５６７８", "13812345678")]
    [InlineData("０１０－６２３４５６７８", "01062345678")]
    public void Full_width_digits_from_a_chinese_input_method_are_read_as_digits(string typed, string normalized) =>
        Assert.Equal(normalized, PhoneNumber.Normalize(typed));

    [Theory]
    [InlineData("+86 138 1234 5678", "13812345678")]
    [InlineData("+8613812345678", "13812345678")]
    public void A_mobile_in_international_form_loses_its_country_code(string typed, string normalized) =>
        Assert.Equal(normalized, PhoneNumber.Normalize(typed));
}
