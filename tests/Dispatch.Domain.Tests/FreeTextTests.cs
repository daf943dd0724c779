namespace Dispatch.Domain.Tests;

/// <summary>The one rule for text people send: tab and line breaks yes; NUL, other controls and bidi overrides no.</summary>
public class FreeTextTests
{
    [Theory]
    [InlineData("路面塌陷\n约一米\t见方\r\n")]
    [InlineData("")]
    [InlineData("😀 emoji and 中文")]
    public void Text_with_line_breaks_and_tabs_is_fine(string text) => Assert.Null(FreeText.Problem(text));

    [Theory]
    [InlineData("a\0b", "U+0000")]
    [InlineData("\u001b[2J", "U+001B")]
    [InlineData("\u0085", "U+0085")]
    [InlineData("\u202Egnp.exe", "U+202E")]
    [InlineData("x\u2066y", "U+2066")]
    public void Control_characters_and_bidi_overrides_are_named(string text, string named) =>
        Assert.Contains(named, FreeText.Problem(text));

    [Fact]
    public void Null_is_no_problem_of_this_rule() => Assert.Null(FreeText.Problem(null));
}
