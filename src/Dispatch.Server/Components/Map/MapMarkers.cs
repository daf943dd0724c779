using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Dispatch.Server.Units;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Components.Map;

/// <summary>
/// How incidents and units look on the dispatcher map: an incident by its urgency (colour) and state (ring), a unit by
/// its status, as the board and roster colour them (dispatch.css, "map" section). Things without a position are not drawn.
/// </summary>
public sealed class MapMarkers(IStringLocalizer<Ui> text, CityCatalog city)
{
    public MapMarker? Of(IncidentCard card) => card.Location is { } at
        ? new MapMarker(card.Id, at.Lat, at.Lon, $"map-incident urgency-{(int)card.Urgency} state-{card.State}", card.Number,
            $"{card.Number} · {city.CategoryName(card.Category, CultureInfo.CurrentUICulture)} · {text[$"state.{card.State}"]}")
        : null;

    public MapMarker? Of(UnitRosterEntry unit) => unit is { Lat: { } lat, Lon: { } lon }
        ? new MapMarker(unit.Id, lat, lon, $"map-unit unit-status-{unit.Status}", unit.CallSign,
            $"{unit.CallSign} · {text[$"units.status.{unit.Status}"]}{(unit.IncidentNumber is { } n ? $" · {n}" : "")}")
        : null;
}

/// <summary>Who may open the dispatcher map, and the part of the tree it shows them.</summary>
public static class MapAccess
{
    static bool Shows(Grant g) => g.Role is Role.Dispatcher or Role.Leader;

    /// <summary>Dispatchers and leaders: the roles that watch a jurisdiction's incidents and units together.</summary>
    public static bool MayOpen(Actor actor) => actor.Grants.Any(Shows);

    /// <summary>The scopes whose boundaries the map draws: where the actor dispatches or leads.</summary>
    public static IEnumerable<string> Scopes(Actor actor) => actor.Grants.Where(Shows).Select(g => g.Scope).Distinct();
}
