using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;

namespace Dispatch.Server.Incidents;

/// <summary>The intake body. Enums travel as text so a bad value is a field error, not an unreadable body.</summary>
public sealed record IntakeRequest(
    string? Channel, string? CallerName, string? CallerPhone, double? Lat, double? Lon,
    string? Address, string? Category, string? Description, int? Urgency)
{
    public IntakeForm ToForm()
    {
        // An unknown channel reads as none, which validation reports on the "channel" field.
        Channel? channel = !int.TryParse(Channel, out _) && Enum.TryParse<Channel>(Channel, ignoreCase: true, out var c) ? c : null;
        return new IntakeForm(channel, CallerName, CallerPhone, Lat, Lon, Address, Category, Description, Urgency);
    }
}

/// <summary>
/// One body for every lifecycle command; each command reads the fields it needs.
/// <see cref="ExpectedVersion"/> is the version the person saw: a change since then is a 409.
/// </summary>
public sealed record CommandRequest(
    long? ExpectedVersion = null, string? Department = null, string? Note = null, string? Reason = null,
    string? Resolution = null, int? Satisfaction = null, string? Comment = null,
    double? Lat = null, double? Lon = null, string? Address = null, string? Jurisdiction = null,
    List<string>? Assisting = null, string? Level = null, Guid? Into = null, string? Plan = null, string? Task = null,
    string? Text = null, int? ReplyWithinMinutes = null);

public static class IncidentCommandParser
{
    public const int MaxText = 2000;

    public static readonly IReadOnlyList<string> Actions =
        ["accept", "assign", "acknowledge", "progress", "return", "resolve", "callback", "close", "reopen", "cancel", "locate", "place",
         "override", "escalate", "delegate", "supervise", "merge", "unmerge",
         "activate-plan", "stand-down", "acknowledge-task", "complete-task", "answer", "callback-attempt"];

    /// <summary>Turns an API action and its body into a command, or names every bad field.</summary>
    public static (IncidentCommand? Command, IReadOnlyList<FieldError> Errors) Parse(
        string action, CommandRequest r, string by, CityCatalog city, JurisdictionTree jurisdictions, Plans.PlanLibrary plans)
    {
        var errors = new List<FieldError>();

        string Department()
        {
            if (string.IsNullOrWhiteSpace(r.Department))
                errors.Add(new("department", "department.required", "Name the department."));
            else if (!city.DepartmentCodes.Contains(r.Department.Trim()))
                errors.Add(new("department", "department.unknown", $"Unknown department '{Cut(r.Department)}'."));
            return r.Department?.Trim() ?? "";
        }

        string Text(string field, string? value, bool required = true)
        {
            if (required && string.IsNullOrWhiteSpace(value))
                errors.Add(new(field, $"{field}.required", $"Fill in the {field}."));
            else if (value is { Length: > MaxText })
                errors.Add(new(field, $"{field}.too-long", $"The {field} is at most {MaxText} characters; this one has {value.Length}."));
            return value ?? "";
        }

        IncidentCommand? command = action switch
        {
            "accept" => new AcceptIncident(by),
            "assign" => new AssignIncident(Department(), by, Assisting()),
            "acknowledge" => new AcknowledgeIncident(Department(), by),
            "progress" => new NoteProgress(Department(), Text("note", r.Note), by),
            "return" => new ReturnIncident(Department(), Text("reason", r.Reason), by),
            "resolve" => new ResolveIncident(Department(), Text("resolution", r.Resolution), by),
            "callback" => Callback(),
            "close" => Close(),
            "reopen" => new ReopenIncident(Text("reason", r.Reason), by),
            "cancel" => Cancel(),
            "locate" => Locate(),
            "place" => Place(),
            "override" => Override(),
            "escalate" => new EscalateIncident(Text("reason", r.Reason), by),
            "delegate" => new DelegateIncident(Text("reason", r.Reason), by),
            "supervise" => Supervise(),
            "answer" => new Dispatch.Domain.Supervision.AnswerSupervision(Text("text", r.Text), by),
            "callback-attempt" => new Dispatch.Domain.Supervision.RecordCallbackAttempt(Text("note", r.Note, required: false), by),
            "merge" => Merge(),
            "unmerge" => new UnmergeIncident(by),
            "activate-plan" => Activate(),
            "stand-down" => new Dispatch.Domain.Plans.StandDownPlan(Text("reason", r.Reason), by),
            "acknowledge-task" => new Dispatch.Domain.Plans.AcknowledgePlanTask(Task(), Department(), by),
            "complete-task" => new Dispatch.Domain.Plans.CompletePlanTask(Task(), Department(), Text("note", r.Note), by),
            _ => null,
        };
        if (command is null && errors.Count == 0)
            errors.Add(new("action", "action.unknown", $"Unknown action '{Cut(action)}'; use one of {string.Join(", ", Actions)}."));
        return errors.Count > 0 ? (null, errors) : (command, errors);

        IReadOnlyList<string>? Assisting()
        {
            if (r.Assisting is not { Count: > 0 } assisting) return null;
            if (assisting.Count > 10) errors.Add(new("assisting", "assisting.too-many", "At most 10 assisting departments."));
            foreach (var code in assisting.Where(c => string.IsNullOrWhiteSpace(c) || !city.DepartmentCodes.Contains(c.Trim())))
                errors.Add(new("assisting", "department.unknown", $"Unknown department '{Cut(code ?? "")}'."));
            return [.. assisting.Select(c => c?.Trim() ?? "")];
        }

        IncidentCommand? Override()
        {
            if (!Enum.TryParse<Dispatch.Domain.Command.CommandLevel>(r.Level, ignoreCase: true, out var level) || int.TryParse(r.Level, out _))
                errors.Add(new("level", "level.unknown", "Choose the level: town, district or city."));
            string? department = null;
            if (!string.IsNullOrWhiteSpace(r.Department))
            {
                if (city.DepartmentCodes.Contains(r.Department.Trim())) department = r.Department.Trim();
                else errors.Add(new("department", "department.unknown", $"Unknown department '{Cut(r.Department)}'."));
            }
            return new OverrideRouting(level, department, Text("reason", r.Reason), by);
        }

        IncidentCommand? Callback()
        {
            if (r.Satisfaction is not (>= 1 and <= 5))
                errors.Add(new("satisfaction", "satisfaction.range", "Satisfaction is a score from 1 to 5."));
            return new RecordCallback(r.Satisfaction ?? 0, Text("comment", r.Comment, required: false), by);
        }

        IncidentCommand? Supervise()
        {
            var comment = Text("comment", r.Comment);
            if (r.ReplyWithinMinutes is not { } minutes) return new SuperviseIncident(comment, by);
            var (min, max) = (Supervision.SupervisionSettings.MinReplyWithin, Supervision.SupervisionSettings.MaxReplyWithin);
            if (minutes < min.TotalMinutes || minutes > max.TotalMinutes)
                errors.Add(new("replyWithinMinutes", "replyWithinMinutes.range",
                    $"The reply time is from {min.TotalMinutes:0} to {max.TotalMinutes:0} minutes."));
            return new SuperviseIncident(comment, by, TimeSpan.FromMinutes(minutes));
        }

        IncidentCommand? Close()
        {
            if (string.IsNullOrWhiteSpace(r.Reason)) return new CloseIncident(by);
            if (r.Reason.Trim().Replace("-", "").Equals(nameof(CloseReason.CallerNotReached), StringComparison.OrdinalIgnoreCase))
                return new CloseIncident(by, CloseReason.CallerNotReached);
            errors.Add(new("reason", "reason.close", "A close takes no reason, or caller-not-reached."));
            return null;
        }

        IncidentCommand? Cancel()
        {
            if (!Enum.TryParse<CancelReason>(r.Reason, ignoreCase: true, out var reason) || int.TryParse(r.Reason, out _))
                errors.Add(new("reason", "reason.cancel", "Say why: duplicate or invalid."));
            return new CancelIncident(reason, Text("note", r.Note, required: false), by);
        }

        IncidentCommand? Activate()
        {
            var plan = string.IsNullOrWhiteSpace(r.Plan) ? null : plans.Find(r.Plan.Trim());
            if (plan is null)
                errors.Add(string.IsNullOrWhiteSpace(r.Plan)
                    ? new("plan", "plan.required", "Name the plan to activate (its code; GET /api/plans lists them).")
                    : new("plan", "plan.unknown", $"Unknown plan '{Cut(r.Plan)}'."));
            var reason = Text("reason", r.Reason);
            return plan is null ? null : new Dispatch.Domain.Plans.ActivatePlan(plan, reason, by);
        }

        string Task()
        {
            if (string.IsNullOrWhiteSpace(r.Task)) errors.Add(new("task", "task.required", "Name the plan's task (its code)."));
            else if (r.Task.Length > 100) errors.Add(new("task", "task.too-long", "A task code is at most 100 characters."));
            return r.Task?.Trim() ?? "";
        }

        IncidentCommand? Merge()
        {
            if (r.Into is not { } into || into == Guid.Empty)
                errors.Add(new("into", "into.required", "Name the incident to merge into (its id)."));
            return new MergeIncident(r.Into ?? Guid.Empty, by);
        }

        IncidentCommand? Place()
        {
            if (string.IsNullOrWhiteSpace(r.Jurisdiction))
                errors.Add(new("jurisdiction", "jurisdiction.required", "Choose the grid cell, town or district."));
            else if (jurisdictions.Find(r.Jurisdiction.Trim()) is { Kind: JurisdictionKind.City })
                errors.Add(new("jurisdiction", "jurisdiction.city", "Choose a district, town or grid cell, not the whole city."));
            else if (jurisdictions.PlaceOf(r.Jurisdiction.Trim()) is { } place)
                return new PlaceIncident(place, by);
            else
                errors.Add(new("jurisdiction", "jurisdiction.unknown", $"Unknown jurisdiction '{Cut(r.Jurisdiction)}'."));
            return null;
        }

        IncidentCommand? Locate()
        {
            if (r.Lat is not { } lat || double.IsNaN(lat) || lat is < -90 or > 90)
                errors.Add(new("lat", "lat.range", "Latitude must be between -90 and 90."));
            if (r.Lon is not { } lon || double.IsNaN(lon) || lon is < -180 or > 180)
                errors.Add(new("lon", "lon.range", "Longitude must be between -180 and 180."));
            if (r.Address is { Length: > IntakeValidation.MaxAddress })
                errors.Add(new("address", "address.too-long", $"The address is at most {IntakeValidation.MaxAddress} characters."));
            return new LocateIncident(new GeoPoint(r.Lat ?? 0, r.Lon ?? 0), r.Address, by);
        }
    }

    static string Cut(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
