using Bunit;
using Dispatch.Server.Components.Layout;
using MudBlazor;
using MudBlazor.Services;

namespace Dispatch.Components.Tests;

/// <summary>
/// The layouts' theme provider shares its style text across circuits (board circuits' memory, issue 15) and must put
/// on the page exactly what MudBlazor's own provider does, light and dark.
/// </summary>
public sealed class SharedThemeProviderTests : IDisposable
{
    readonly BunitContext _ctx = new();

    public SharedThemeProviderTests()
    {
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        _ctx.Services.AddMudServices();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Given_the_console_theme_when_the_shared_provider_renders_then_its_markup_is_MudBlazors(bool dark)
    {
        var mud = _ctx.Render<MudThemeProvider>(p => p.Add(t => t.Theme, ConsoleTheme.Theme).Add(t => t.IsDarkMode, dark));
        var shared = _ctx.Render<SharedThemeProvider>(p => p.Add(t => t.Theme, ConsoleTheme.Theme).Add(t => t.IsDarkMode, dark));

        Assert.Contains("mud-theme-provider", shared.Markup);
        Assert.Equal(mud.Markup, shared.Markup);
    }

    [Fact]
    public void Given_light_then_dark_when_the_console_switches_then_the_shared_provider_follows()
    {
        var shared = _ctx.Render<SharedThemeProvider>(p => p.Add(t => t.Theme, ConsoleTheme.Theme).Add(t => t.IsDarkMode, false));
        var light = shared.Markup;

        shared.Render(p => p.Add(t => t.IsDarkMode, true));

        Assert.NotEqual(light, shared.Markup);
        Assert.Equal(_ctx.Render<MudThemeProvider>(p => p.Add(t => t.Theme, ConsoleTheme.Theme).Add(t => t.IsDarkMode, true)).Markup, shared.Markup);
    }

    public void Dispose() => _ctx.Dispose();
}
