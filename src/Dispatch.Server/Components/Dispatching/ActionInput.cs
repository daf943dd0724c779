using System.Globalization;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Incidents;

using static Dispatch.Server.Components.Shared.TypedText;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// What the dispatcher typed into the drawer's action forms, as typed, and its translation into the API's
/// <see cref="CommandRequest"/> (which <see cref="IncidentCommandParser"/> checks and turns into a command).
/// </summary>
public sealed class ActionInput
{
    public string? Department { get; set; }
    public string? Note { get; set; }
    public string? Reason { get; set; }
    public string? Resolution { get; set; }
    public int? Satisfaction { get; set; }
    public string? Comment { get; set; }
    public CancelReason CancelReason { get; set; } = CancelReason.Duplicate;
    public string? Lat { get; set; }
    public string? Lon { get; set; }
    public string? Address { get; set; }
    public string? Jurisdiction { get; set; }

    /// <summary>Starts the location form from where the incident is now, so a correction is a small edit.</summary>
    public static ActionInput For(string action, IncidentDetail d) => action == "locate"
        ? new ActionInput
        {
            Lat = d.Location?.Lat.ToString("0.######", CultureInfo.InvariantCulture),
            Lon = d.Location?.Lon.ToString("0.######", CultureInfo.InvariantCulture),
            Address = d.Address,
        }
        : new ActionInput();

    public (CommandRequest Request, IReadOnlyList<FieldError> Unreadable) ToRequest(string action, IncidentDetail d)
    {
        var errors = new List<FieldError>();
        var request = action switch
        {
            "assign" => new CommandRequest(Department: Department),
            // The console acts for the lead department until departments have their own view.
            "acknowledge" => new CommandRequest(Department: d.LeadDepartment),
            "progress" => new CommandRequest(Department: d.LeadDepartment, Note: Note),
            "return" => new CommandRequest(Department: d.LeadDepartment, Reason: Reason),
            "resolve" => new CommandRequest(Department: d.LeadDepartment, Resolution: Resolution),
            "callback" => new CommandRequest(Satisfaction: Satisfaction, Comment: Blank(Comment)),
            "reopen" => new CommandRequest(Reason: Reason),
            "cancel" => new CommandRequest(Reason: CancelReason.ToString(), Note: Blank(Note)),
            "locate" => new CommandRequest(Lat: Number("lat", Lat, errors), Lon: Number("lon", Lon, errors), Address: Blank(Address)),
            "place" => new CommandRequest(Jurisdiction: Jurisdiction),
            _ => new CommandRequest(),
        };
        return (request, errors);
    }
}
