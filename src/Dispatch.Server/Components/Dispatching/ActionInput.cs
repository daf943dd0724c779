using System.Globalization;
using Dispatch.Domain.Command;
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
    /// <summary>Departments assisting the lead (assign).</summary>
    public IReadOnlyCollection<string>? Assisting { get; set; }
    /// <summary>The command level chosen (override).</summary>
    public CommandLevel? Level { get; set; }
    /// <summary>The plan's code (activate-plan).</summary>
    public string? Plan { get; set; }
    /// <summary>The running plan's task's code (acknowledge-task, complete-task).</summary>
    public string? Task { get; set; }
    /// <summary>The answer to a supervision (answer).</summary>
    public string? Text { get; set; }
    /// <summary>The reply time a leader gives, in minutes (supervise); empty: the configured default.</summary>
    public int? ReplyWithinMinutes { get; set; }

    /// <summary>
    /// Starts a form from the incident as it is, so a change is a small edit: the location where it is, the
    /// assignment's departments, the level that commands it now.
    /// </summary>
    public static ActionInput For(string action, IncidentDetail d) => action switch
    {
        "locate" => new ActionInput
        {
            Lat = d.Location?.Lat.ToString("0.######", CultureInfo.InvariantCulture),
            Lon = d.Location?.Lon.ToString("0.######", CultureInfo.InvariantCulture),
            Address = d.Address,
        },
        // The suggested lead comes filled in (issue 19): one Enter assigns it.
        "assign" => new ActionInput { Assisting = d.Assisting, Department = d.SuggestedDepartment is { } s && s != d.LeadDepartment ? s : null },
        "override" => new ActionInput { Level = d.Level },
        _ => new ActionInput(),
    };

    /// <param name="department">The department that department work (acknowledge, progress, return, resolve) is
    /// recorded for: the lead, or the assisting department the person works for
    /// (<see cref="Dispatch.Domain.Access.AccessRules.ActingDepartment"/>).</param>
    public (CommandRequest Request, IReadOnlyList<FieldError> Unreadable) ToRequest(string action, IncidentDetail d, string? department)
    {
        var errors = new List<FieldError>();
        var request = action switch
        {
            "assign" => new CommandRequest(Department: Department,
                Assisting: Assisting?.ToList() is { Count: > 0 } assisting ? assisting : null),
            "acknowledge" => new CommandRequest(Department: department),
            "progress" => new CommandRequest(Department: department, Note: Note),
            "return" => new CommandRequest(Department: department, Reason: Reason),
            "resolve" => new CommandRequest(Department: department, Resolution: Resolution),
            "override" => new CommandRequest(Level: Level?.ToString(), Department: Blank(Department), Reason: Reason),
            "escalate" or "delegate" => new CommandRequest(Reason: Reason),
            "supervise" => new CommandRequest(Comment: Comment, ReplyWithinMinutes: ReplyWithinMinutes),
            "answer" => new CommandRequest(Text: Text),
            "callback-attempt" => new CommandRequest(Note: Blank(Note)),
            "close-unreached" => new CommandRequest(Reason: "caller-not-reached"),
            "callback" => new CommandRequest(Satisfaction: Satisfaction, Comment: Blank(Comment)),
            "reopen" => new CommandRequest(Reason: Reason),
            "cancel" => new CommandRequest(Reason: CancelReason.ToString(), Note: Blank(Note)),
            "locate" => new CommandRequest(Lat: Number("lat", Lat, errors), Lon: Number("lon", Lon, errors), Address: Blank(Address)),
            "place" => new CommandRequest(Jurisdiction: Jurisdiction),
            "activate-plan" => new CommandRequest(Plan: Plan, Reason: Reason),
            "stand-down" => new CommandRequest(Reason: Reason),
            // A task is worked in its own department's name; one by capability in the person's.
            "acknowledge-task" => new CommandRequest(Task: Task, Department: TaskDepartment(d, department)),
            "complete-task" => new CommandRequest(Task: Task, Department: TaskDepartment(d, department), Note: Note),
            _ => new CommandRequest(),
        };
        return (request, errors);
    }

    string? TaskDepartment(IncidentDetail d, string? department) =>
        d.Plan?.Tasks.FirstOrDefault(t => t.Code == Task)?.Department ?? department;
}
