using Microsoft.AspNetCore.Components;

namespace Dispatch.Server.Components.Units;

/// <summary>
/// A digit pressed in a panel that offers numbered units to send (<c>[data-unit-keys]</c> inside the incident drawer).
/// wwwroot/js/dispatch.js raises it only for the digits 1–9 pressed without modifiers while no text field has the focus,
/// so a digit typed into a note stays text and only these keys travel to the server.
/// </summary>
public sealed class UnitKeyEventArgs : EventArgs
{
    /// <summary>"1" … "9".</summary>
    public string Key { get; set; } = "";

    /// <summary>The digit pressed, or null for anything else.</summary>
    public int? Digit => Key is [var c] && c is >= '1' and <= '9' ? c - '0' : null;
}

/// <summary>Tells the Razor compiler about <c>@onunitkey</c>.</summary>
[EventHandler("onunitkey", typeof(UnitKeyEventArgs), enableStopPropagation: true, enablePreventDefault: true)]
public static class EventHandlers { }
