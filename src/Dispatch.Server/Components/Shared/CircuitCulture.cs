using System.Globalization;

namespace Dispatch.Server.Components.Shared;

/// <summary>
/// The language of one console. Work pushed into a circuit from elsewhere (the change feed's thread) carries that
/// thread's culture, not the console's; a component captures its culture when created and applies it before it
/// renders pushed data, so a Chinese console does not get English rows.
/// </summary>
public readonly record struct CircuitCulture(CultureInfo Culture, CultureInfo UICulture)
{
    public static CircuitCulture Current => new(CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);

    public void Apply()
    {
        CultureInfo.CurrentCulture = Culture;
        CultureInfo.CurrentUICulture = UICulture;
    }
}
