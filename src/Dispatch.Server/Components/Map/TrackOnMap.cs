using Dispatch.Server.Units.Positions;
using Microsoft.AspNetCore.Components;

namespace Dispatch.Server.Components.Map;

/// <summary>
/// A track for the map to draw and replay (<see cref="LeafletMap.ShowTrack"/>): its points (thinned, WGS-84, oldest first),
/// the city's offset from UTC at its start (the marker shows local time), the speed unit's text, and the element holding
/// the replay's controls (TrackReplay's player).
/// </summary>
public sealed record TrackOnMap(IReadOnlyList<TrackApi.TrackFix> Points, int OffsetMinutes, string SpeedUnit, ElementReference Player);
