using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Sensors;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Sensors;

public sealed record ThresholdRequest(string? Measure, string? Alarm, double? Level, double? Recovery);

/// <summary>A device's registry fields (registration, and a change, which sends them all again).</summary>
public sealed record DeviceRequest(string? Name, string? Type, double? Lat, double? Lon, string? Jurisdiction,
    IReadOnlyList<ThresholdRequest?>? Thresholds, string? Department, string? Category, int? Urgency, int? SilenceMinutes)
{
    public SensorRules.DeviceForm ToForm() => new(Name, Type, Lat, Lon, Jurisdiction,
        Thresholds?.Select(t => t is null ? null : new SensorRules.ThresholdForm(t.Measure, t.Alarm, t.Level, t.Recovery)).ToList(),
        Department, Category, Urgency, SilenceMinutes);
}

/// <summary>Why a key is rotated or a device retired (kept in the audit trail).</summary>
public sealed record DeviceReasonRequest(string? Reason);

public sealed record ReadingRequest(string? Measure, double? Value, DateTimeOffset? At);

public sealed record ReadingsRequest(IReadOnlyList<ReadingRequest?>? Readings);

/// <summary>A device as the API shows it (never its key or the key's hash).</summary>
public sealed record DeviceView(Guid Id, string Name, string Type, double Lat, double Lon, string Jurisdiction, IReadOnlyList<ThresholdView> Thresholds,
    string Department, string Category, int Urgency, int SilenceMinutes, bool Retired, DateTimeOffset? SilentSince, int KeyGeneration,
    DateTimeOffset RegisteredAt, string RegisteredBy, DateTimeOffset ChangedAt, string ChangedBy)
{
    public static DeviceView Of(Device d) => new(d.Id, d.Settings.Name, d.Settings.Type, d.Settings.Location.Lat, d.Settings.Location.Lon, d.Path,
        [.. d.Settings.Thresholds.Select(t => new ThresholdView(t.Measure, t.Alarm == Bound.Above ? "above" : "below", t.Level, t.Recovery))],
        d.Settings.Department, d.Settings.Category, (int)d.Settings.Urgency, d.Settings.SilenceMinutes, d.Retired, d.SilentSince, d.KeyGeneration,
        d.RegisteredAt, d.RegisteredBy, d.ChangedAt, d.ChangedBy);
}

public sealed record ThresholdView(string Measure, string Alarm, double Level, double Recovery);

/// <summary>
/// The device registry (<c>/api/devices</c>, signed-in administrators and city dispatchers, docs/api.md "Devices and
/// readings") and the readings endpoint (<c>POST /api/devices/{id}/readings</c>), which takes the device's key and
/// nothing else. A device key anywhere else is refused before anything reads it (<see cref="UseDeviceKeys"/>).
/// </summary>
public static partial class DeviceApi
{
    const long MaxBody = 256 * 1024;

    public static IEndpointRouteBuilder MapDeviceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/devices").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("", List);
        api.MapPost("", Register);
        api.MapGet("/{id:guid}", Get);
        api.MapPut("/{id:guid}", Change);
        api.MapPost("/{id:guid}/key", RotateKey);
        api.MapPost("/{id:guid}/retire", Retire);
        // The device's own door: no cookie, no user; its key says who it is (and must be this device's).
        app.MapGroup("/api/devices").DisableAntiforgery().AllowAnonymous().RequireRateLimiting(IdentitySetup.ApiPolicy)
            .MapPost("/{id:guid}/readings", Readings);
        return app;
    }

    /// <summary>
    /// A device key is good only at its device's readings endpoint. Anywhere else (the console, the API, a hub) a request
    /// that carries one is 403 and audited, whatever else it carries: a leaked device key opens nothing but that door.
    /// </summary>
    public static WebApplication UseDeviceKeys(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (DeviceKeys.Presented(http.Request) is { } key && !(HttpMethods.IsPost(http.Request.Method) && ReadingsPath().IsMatch(http.Request.Path.Value ?? "")))
            {
                var device = DeviceKeys.DeviceOf(key);
                var pipeline = http.RequestServices.GetRequiredService<CommandPipeline>();
                var path = http.Request.Path.Value ?? "";
                if (path.Length > 200) path = path[..200];
                var denial = await pipeline.Deny(new Actor(device is { } id ? SensorRules.Login(id) : "device:unknown", "Device", []), Via.Device,
                    "device.key-misused", "", $"A device key was sent to {http.Request.Method} {path}: it opens only POST /api/devices/{{id}}/readings.",
                    ct: http.RequestAborted);
                await IncidentApi.Forbidden(denial).ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    [GeneratedRegex("^/api/devices/[0-9a-fA-F-]{36}/readings/?$")]
    private static partial Regex ReadingsPath();

    static async Task<IResult> List(HttpContext http, DeviceService devices, CommandPipeline pipeline, CancellationToken ct)
    {
        var actor = http.Actor();
        if (await devices.List(actor, ct) is not { } list)
            return IncidentApi.Forbidden(await pipeline.Deny(actor, Via.Api, "device.list", "",
                $"{actor.Login} keeps no devices: administrators and the city's dispatchers do.", ct: ct));
        return TypedResults.Ok(list.Select(DeviceView.Of).ToList());
    }

    static async Task<IResult> Get(Guid id, HttpContext http, DeviceService devices, CommandPipeline pipeline, CancellationToken ct)
    {
        var actor = http.Actor();
        if (await devices.Find(id, ct) is not { } device) return NotFound(id);
        if (!SensorRules.MayManage(actor, device.Path))
            return IncidentApi.Forbidden(await pipeline.Deny(actor, Via.Api, "device.read", device.Path,
                $"{actor.Login} may not see device {device.Settings.Name} at {device.Path}.", id, ct: ct));
        return TypedResults.Ok(DeviceView.Of(device));
    }

    static async Task<IResult> Register(HttpContext http, DeviceService devices, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<DeviceRequest>(http, ct);
        if (bad is not null) return bad;
        return ToResult(await devices.Register(http.Actor(), body!.ToForm(), Via.Api, ct), messages, created: true);
    }

    static async Task<IResult> Change(Guid id, HttpContext http, DeviceService devices, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<DeviceRequest>(http, ct);
        if (bad is not null) return bad;
        return ToResult(await devices.Change(http.Actor(), id, body!.ToForm(), Via.Api, ct), messages);
    }

    static async Task<IResult> RotateKey(Guid id, HttpContext http, DeviceService devices, Messages messages, CancellationToken ct)
    {
        var (reason, bad) = await Reason(http, ct);
        if (bad is not null) return bad;
        return ToResult(await devices.RotateKey(http.Actor(), id, Via.Api, ct), messages);
    }

    static async Task<IResult> Retire(Guid id, HttpContext http, DeviceService devices, Messages messages, CancellationToken ct)
    {
        var (reason, bad) = await Reason(http, ct);
        if (bad is not null) return bad;
        return ToResult(await devices.Retire(http.Actor(), id, reason!, Via.Api, ct), messages);
    }

    /// <summary>Rotating a key and retiring a device each say why (at most 200 characters), kept in the audit trail.</summary>
    static async Task<(string? Reason, IResult? Bad)> Reason(HttpContext http, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<DeviceReasonRequest>(http, ct);
        if (bad is not null) return (null, bad);
        if (string.IsNullOrWhiteSpace(body!.Reason) || body.Reason.Length > 200)
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Say why (1 to 200 characters)."] }));
        return (body.Reason.Trim(), null);
    }

    static async Task<IResult> Readings(Guid id, HttpContext http, DeviceService devices, CancellationToken ct)
    {
        // Who is asking comes first: a caller without this device's key learns nothing of the body's rules.
        var (device, refused) = await devices.Authenticate(id, DeviceKeys.Presented(http.Request), ct);
        if (device is null) return Answer(refused!);
        var (body, bad) = await ReadJson<ReadingsRequest>(http, ct);
        if (bad is not null) return bad;
        var batch = body!.Readings?.Select(r => r is null ? null : new SensorRules.ReadingForm(r.Measure, r.Value, r.At)).ToList();
        return Answer(await devices.Readings(device, batch, ct));
    }

    static IResult Answer(ReadingsOutcome outcome) =>
        outcome switch
        {
            ReadingsOutcome.Unknown u => TypedResults.Problem(statusCode: 401, title: "Unknown device key", detail: u.Message),
            ReadingsOutcome.Forbidden f => IncidentApi.Forbidden(f.Denial),
            ReadingsOutcome.Invalid i => Invalid(i.Errors),
            ReadingsOutcome.Accepted a => TypedResults.Ok(new { accepted = a.Readings, a.Alarms, a.Recoveries, a.Incident }),
            _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
        };

    static IResult ToResult(DeviceOutcome outcome, Messages messages, bool created = false) => outcome switch
    {
        DeviceOutcome.Done { Key: { } key } d when created =>
            TypedResults.Created($"/api/devices/{d.Device.Id}", new { d.Device.Id, key, device = DeviceView.Of(d.Device) }),
        DeviceOutcome.Done { Key: { } key } d => TypedResults.Ok(new { d.Device.Id, key, device = DeviceView.Of(d.Device) }),
        DeviceOutcome.Done d => TypedResults.Ok(DeviceView.Of(d.Device)),
        DeviceOutcome.Invalid i => Invalid(i.Errors),
        DeviceOutcome.NotFound n => NotFound(n.Id),
        DeviceOutcome.Forbidden f => IncidentApi.Forbidden(f.Denial),
        DeviceOutcome.Refused r => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Refused by the rules",
            detail: messages.Refusal(r.Refusal), extensions: new Dictionary<string, object?> { ["code"] = r.Refusal.Code }),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    static IResult Invalid(IReadOnlyList<FieldError> errors) =>
        TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    static IResult NotFound(Guid id) => TypedResults.Problem(statusCode: 404, title: "Unknown device", detail: $"There is no device {id}.");

    /// <summary>The body, read by hand so a malformed one is a 400 naming the field (JSON path, e.g. <c>readings[3].value</c>).</summary>
    static async Task<(T? Body, IResult? Bad)> ReadJson<T>(HttpContext http, CancellationToken ct) where T : class
    {
        if (http.Request.ContentLength > MaxBody)
            return (null, TypedResults.Problem(statusCode: 413, title: "Too large", detail: $"A request body is at most {MaxBody / 1024} KB."));
        if (!http.Request.HasJsonContentType())
            return (null, TypedResults.Problem(statusCode: 415, title: "Send JSON", detail: "Send the body as application/json."));
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, BadInput.Json(http), ct);
            return body is null
                ? (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] }))
                : (body, null);
        }
        catch (JsonException ex)
        {
            var (field, message) = BadInput.Explain(ex);
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }));
        }
    }
}
