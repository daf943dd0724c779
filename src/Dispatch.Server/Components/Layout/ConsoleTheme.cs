using MudBlazor;

namespace Dispatch.Server.Components.Layout;

/// <summary>Dense and calm for a twelve-hour shift; the dark palette for dim command rooms.</summary>
public static class ConsoleTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1f5aa6", AppbarBackground = "#17365d", Background = "#f4f6f9" },
        PaletteDark = new PaletteDark { Primary = "#6aa5ff", AppbarBackground = "#101826", Background = "#0b111b", Surface = "#131c2b" },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                FontFamily = ["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "Roboto", "sans-serif"],
                FontSize = "0.875rem",
            },
            // Chinese has no case, and shouting English buttons are tiring over a shift.
            Button = new ButtonTypography { TextTransform = "none" },
        },
    };
}
