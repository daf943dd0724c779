using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Sensors;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Marten;
using Npgsql;

namespace Dispatch.Server.Sensors;

/// <summary>What became of a registry command, as the API and the page report it.</summary>
public abstract record DeviceOutcome
{
    /// <summary><paramref name="Key"/>: set when a key was issued (registration, rotation): shown once, never stored.</summary>
    public sealed record Done(Device Device, string? Key = null) : DeviceOutcome;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : DeviceOutcome;
    public sealed record NotFound(Guid Id) : DeviceOutcome;
    public sealed record Forbidden(Denial Denial) : DeviceOutcome;
    public sealed record Refused(Refusal Refusal) : DeviceOutcome;
}

/// <summary>What became of a batch of readings.</summary>
public abstract record ReadingsOutcome
{
    /// <summary><paramref name="Incident"/>: the number of the incident the batch's alarms opened or folded into, if any.</summary>
    public sealed record Accepted(int Readings, int Alarms, int Recoveries, string? Incident) : ReadingsOutcome;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : ReadingsOutcome;
    /// <summary>No key, or a key that is no device's: 401.</summary>
    public sealed record Unknown(string Message) : ReadingsOutcome;
    public sealed record Forbidden(Denial Denial) : ReadingsOutcome;
}

/// <summary>
/// The device registry and the sensors' write paths on the one pipeline (<see cref="CommandPipeline"/>): registering,
/// changing, re-keying and retiring a device (audited with who and when), a batch of readings (telemetry, and the alarms
/// and recoveries among them noted on the incident they open or fold into), and the silence flag.
/// </summary>
public sealed class DeviceService(
    CommandPipeline pipeline, IDocumentStore store, NpgsqlDataSource db, CityCatalog city, IncidentNumbers numbers, JurisdictionTree tree,
    Command.CommandPolicy policy, Supervision.SupervisionSettings supervision, TimeProvider clock, ILogger<DeviceService> log)
{
    /// <summary>Raised after a change to the registry committed on this node (the silence watch looks again).</summary>
    public event Action? Changed;

    public async Task<DeviceOutcome> Register(Actor actor, SensorRules.DeviceForm form, Via via, CancellationToken ct = default)
    {
        var (settings, errors) = Settings(form);
        if (settings is null) return new DeviceOutcome.Invalid(errors);
        var outcome = await pipeline.Run<DeviceOutcome>(actor, via, "device.register", async work =>
        {
            if (!SensorRules.MayManage(actor, settings.Place.Path))
                return Decided.Nothing<DeviceOutcome>(new DeviceOutcome.Forbidden(await work.Deny("device.register", settings.Place.Path,
                    $"{actor.Login} may not register devices at {settings.Place.Path}: administrators of the jurisdiction and the city's dispatchers keep devices.")));
            var id = Guid.CreateVersion7(work.Now);
            var registered = DeviceDecider.Register(id, settings, actor.Login, work.Now);
            var (key, stored) = DeviceKeys.Issue(id, work.Now);
            return Decided.With<DeviceOutcome>(
                [new DeviceStarted(id, [registered]), new StoreDocument(stored, Insert: true), new AuditLine("device.register", settings.Place.Path, Describe(id, settings))],
                _ => new DeviceOutcome.Done(Device.Evolve(null, registered)!, key));
        }, ct);
        if (outcome is DeviceOutcome.Done) Changed?.Invoke();
        return outcome;
    }

    public async Task<DeviceOutcome> Change(Actor actor, Guid id, SensorRules.DeviceForm form, Via via, CancellationToken ct = default)
    {
        var (settings, errors) = Settings(form);
        if (settings is null) return new DeviceOutcome.Invalid(errors);
        return await Decide(actor, id, new ChangeDevice(settings, actor.Login), via, "device.change", ct);
    }

    public Task<DeviceOutcome> RotateKey(Actor actor, Guid id, Via via, CancellationToken ct = default) =>
        Decide(actor, id, new RotateDeviceKey(actor.Login), via, "device.rotatekey", ct);

    public Task<DeviceOutcome> Retire(Actor actor, Guid id, string reason, Via via, CancellationToken ct = default) =>
        Decide(actor, id, new RetireDevice(reason, actor.Login), via, "device.retire", ct);

    /// <param name="checkAccess">False for the platform's own questions (silence, a device heard again), which no person asks.</param>
    async Task<DeviceOutcome> Decide(Actor actor, Guid id, DeviceCommand command, Via via, string kind, CancellationToken ct, bool checkAccess = true)
    {
        var outcome = await pipeline.Run<DeviceOutcome>(actor, via, kind, async work =>
        {
            var stream = await work.Device(id);
            if (stream.Aggregate is not { } device) return Decided.Nothing<DeviceOutcome>(new DeviceOutcome.NotFound(id));
            // Both where it is and, for a move, where it goes must be the actor's to keep.
            var to = command is ChangeDevice c ? c.Settings.Place.Path : device.Path;
            if (checkAccess && (!SensorRules.MayManage(actor, device.Path) || !SensorRules.MayManage(actor, to)))
                return Decided.Nothing<DeviceOutcome>(new DeviceOutcome.Forbidden(await work.Deny(kind, to,
                    $"{actor.Login} may not change device {device.Settings.Name} at {device.Path}.", id)));
            var decision = DeviceDecider.Decide(device, command, work.Now);
            if (decision.Refusal is { } refusal) return Decided.Nothing<DeviceOutcome>(new DeviceOutcome.Refused(refusal));
            var after = decision.Events.Aggregate(device, (d, e) => Device.Evolve(d, e)!);
            List<Effect> effects = [new DeviceDecided(id, decision.Events), new AuditLine(kind, to, command switch
            {
                ChangeDevice ch => Describe(id, ch.Settings),
                RetireDevice r => $"{id}: {r.Reason}",
                _ => id.ToString(),
            })];
            string? key = null;
            if (command is RotateDeviceKey)
            {
                DeviceKey stored;
                (key, stored) = DeviceKeys.Issue(id, work.Now);
                effects.Add(new StoreDocument(stored));
            }
            return Decided.With<DeviceOutcome>(effects, _ => new DeviceOutcome.Done(after, key));
        }, ct);
        if (outcome is DeviceOutcome.Done) Changed?.Invoke();
        return outcome;
    }

    static string Describe(Guid id, DeviceSettings s) =>
        FormattableString.Invariant($"{id}: {s.Name} ({s.Type}) at {s.Place.Path}, {s.Category} for {s.Department}, silent after {s.SilenceMinutes} min");

    /// <summary>The form as settings, placed in the tree; or every field at fault.</summary>
    (DeviceSettings? Settings, IReadOnlyList<FieldError> Errors) Settings(SensorRules.DeviceForm form)
    {
        var errors = SensorRules.Validate(form, city.DepartmentCodes, city.CategoryCodes).ToList();
        if (errors.Count > 0) return (null, errors);
        var location = new GeoPoint(form.Lat!.Value, form.Lon!.Value);
        if (tree.PlaceOf(location) is not { } place)
            return (null, [new FieldError("lat", "device.outside", "The location lies outside the city's jurisdictions.")]);
        if (form.Jurisdiction is { } code)
        {
            // Given, it must hold the location: a device reports for where it stands.
            if (tree.Find(code) is not { } node)
                return (null, [new FieldError("jurisdiction", "device.jurisdiction-unknown", $"There is no jurisdiction {code}.")]);
            if (!AccessRules.Covers(node.Path, place.Path))
                return (null, [new FieldError("jurisdiction", "device.jurisdiction-elsewhere", $"The location lies in {place.Path}, not in {node.Path}.")]);
            place = tree.PlaceOf(code)!;
        }
        return (new DeviceSettings(form.Name!.Trim(), form.Type!, location, place, SensorRules.Thresholds(form), form.Department!, form.Category!,
            (Urgency)(form.Urgency ?? (int)Urgency.High), form.SilenceMinutes ?? 60), []);
    }

    /// <summary>The devices the actor keeps, by name.</summary>
    public async Task<IReadOnlyList<Device>?> List(Actor actor, CancellationToken ct = default)
    {
        if (!SensorRules.ManagesAny(actor)) return null;
        await using var query = store.QuerySession();
        var all = await query.Query<Device>().ToListAsync(ct);
        return [.. all.Where(d => SensorRules.MayManage(actor, d.Path)).OrderBy(d => d.Retired).ThenBy(d => d.Settings.Name, StringComparer.Ordinal)];
    }

    public async Task<Device?> Find(Guid id, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<Device>(id, ct);
    }

    /// <summary>
    /// The device a readings request speaks for, proved by its key alone: no key or a key that is no device's is 401, a key
    /// of another device (or of a retired one) 403; both audited.
    /// </summary>
    public async Task<(Device? Device, ReadingsOutcome? Refused)> Authenticate(Guid deviceId, string? key, CancellationToken ct = default)
    {
        if (key is null) return (null, new ReadingsOutcome.Unknown($"Send the device's key: Authorization: {DeviceKeys.Scheme} <key>."));
        var claimed = DeviceKeys.DeviceOf(key);
        DeviceKey? stored = null;
        if (claimed is { } c)
        {
            await using var query = store.QuerySession();
            stored = await query.LoadAsync<DeviceKey>(c, ct);
        }
        if (claimed is null || stored is null || !DeviceKeys.Matches(key, stored))
        {
            await pipeline.Deny(Caller(claimed), Via.Device, "device.key-unknown", "", $"A key that is no device's was sent for device {deviceId}'s readings.", ct: ct);
            return (null, new ReadingsOutcome.Unknown("This key is not a device's key (it may have been rotated)."));
        }
        var device = await Find(claimed.Value, ct);
        if (claimed != deviceId || device is null || device.Retired)
        {
            var denial = await pipeline.Deny(Caller(claimed), Via.Device, "device.readings", device?.Path ?? "",
                device is { Retired: true }
                    ? $"Device {claimed} is retired: its key sends no more readings."
                    : $"The key of device {claimed} sends only its own readings, not device {deviceId}'s.", ct: ct);
            return (null, new ReadingsOutcome.Forbidden(denial));
        }
        return (device, null);
    }

    /// <summary>
    /// A batch from a device its key has proved (<see cref="Authenticate"/>): valid as a whole (each bad field named), then
    /// kept as telemetry; what alarms or recovers is noted on the incident (<see cref="Signal"/>), and a device flagged
    /// silent is heard again.
    /// </summary>
    public async Task<ReadingsOutcome> Readings(Device device, IReadOnlyList<SensorRules.ReadingForm?>? batch, CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        var (readings, errors) = SensorRules.Validate(batch, device, now);
        if (errors.Count > 0) return new ReadingsOutcome.Invalid(errors);
        await SensorTables.Write(db, device.Id, readings, now, ct);

        if (device.SilentSince is not null) await Heard(device, ct);

        // Most batches are normal and the device is in no alarm: they end here, as telemetry, with no command at all.
        SensorSpot? spot;
        await using (var query = store.QuerySession())
            spot = await query.LoadAsync<SensorSpot>(SensorSpot.IdOf(device.Path, device.Settings.Category), ct);
        if (!SensorRules.MayMatter(device, spot?.AlarmedOf(device.Id) ?? new HashSet<string>(), readings))
            return new ReadingsOutcome.Accepted(readings.Count, 0, 0, null);
        return await Signal(device, readings, ct);
    }

    static Actor Caller(Guid? device) => new(device is { } id ? SensorRules.Login(id) : "device:unknown", "Device", []);

    /// <summary>
    /// Notes the batch's alarms and recoveries under the lock of the device's place and category: the first alarm there
    /// opens an incident (<c>channel: sensor</c>, placed, routed by the policy with the owner department brought in as the
    /// suggested lead); later alarms from this device, or another device of the same category at the same place, fold into
    /// it while it is not finished; a recovery is noted on it.
    /// </summary>
    async Task<ReadingsOutcome> Signal(Device device, IReadOnlyList<Reading> readings, CancellationToken ct)
    {
        var actor = new Actor(SensorRules.Login(device.Id), device.Settings.Name, []);
        var (path, category) = (device.Path, device.Settings.Category);
        return await pipeline.Run<ReadingsOutcome>(actor, Via.Device, "sensor.signal", async work =>
        {
            await work.Hold(SensorSpot.LockOf(path, category));
            var spot = await work.Query.LoadAsync<SensorSpot>(SensorSpot.IdOf(path, category), work.Cancellation)
                       ?? new SensorSpot { Id = SensorSpot.IdOf(path, category), Path = path, Category = category };
            var signals = SensorRules.Assess(device, spot.AlarmedOf(device.Id), readings.Where(r => !spot.Noted(device.Id, r.Measure, r.At)));
            if (signals.Count == 0) return Decided.Nothing<ReadingsOutcome>(new ReadingsOutcome.Accepted(readings.Count, 0, 0, null));

            Incident? open = null;
            if (spot.IncidentId is { } openId && (await work.Incident(openId)).Aggregate is { } incident && !incident.State.IsFinished())
                open = incident;
            var effects = new List<Effect>();
            Guid? incidentId = open?.Id;
            var number = open?.Number;
            var alarms = signals.Count(s => s.Kind == SignalKind.Alarm);
            if (open is not null)
                effects.Add(new IncidentDecided(open.Id, SensorRules.Note(open.Id, device, signals, actor.Login, work.Now)));
            else if (signals.FirstOrDefault(s => s.Kind == SignalKind.Alarm) is { } first)
            {
                // Recoveries before the first alarm belong to an incident that is finished: they are noted nowhere.
                var noted = signals.SkipWhile(s => s != first).ToList();
                var id = Guid.CreateVersion7(work.Now);
                number = await numbers.Next(IncidentNumber.LocalDay(work.Now, city.TimeZone), work.Cancellation);
                var description = SensorRules.Describe(device, first);
                var route = policy.Routing.Route(category, device.Settings.Urgency, description);
                if (route.Department != device.Settings.Department)
                    route = route with { Department = device.Settings.Department, Rule = route.Rule + " + device owner" };
                var intake = IncidentDecider.Intake(new ReportIncident(id, number, Channel.Sensor, new Caller(null, null), device.Settings.Location,
                    device.Settings.Name, category, description, device.Settings.Urgency, actor.Login, device.Settings.Place,
                    CommandLevels.CentreOf(path, CommandLevel.Town), route) { AcceptWithin = supervision.AcceptWithin }, work.Now);
                effects.Add(new IncidentStarted(id, [.. intake, .. SensorRules.Note(id, device, noted, actor.Login, work.Now)]));
                (incidentId, spot.IncidentId, spot.Number) = (id, id, number);
            }
            spot.Apply(device.Id, signals);
            effects.Add(new StoreDocument(spot));
            effects.Add(new AuditLine("sensor.signal", path,
                $"{device.Settings.Name}: {alarms} alarm(s), {signals.Count - alarms} recovery(ies)", incidentId, number));
            return Decided.With<ReadingsOutcome>(effects, _ => new ReadingsOutcome.Accepted(readings.Count, alarms, signals.Count - alarms, number));
        }, ct);
    }

    /// <summary>A device flagged silent spoke: the flag is cleared (once, whichever node hears it first).</summary>
    async Task Heard(Device device, CancellationToken ct)
    {
        var outcome = await Decide(new Actor(SensorRules.Login(device.Id), device.Settings.Name, []), device.Id,
            new HearDevice(SensorRules.Login(device.Id)), Via.Device, "device.heard", ct, checkAccess: false);
        if (outcome is DeviceOutcome.Done) log.LogInformation("Device {Device} speaks again", device.Settings.Name);
    }

    /// <summary>The silence watch's question for one device: flagged once when its period has run out.</summary>
    public async Task<bool> CheckSilence(Guid id, CancellationToken ct)
    {
        var lastHeard = await SensorTables.LastHeard(db, id, ct);
        var outcome = await Decide(CommandPipeline.System, id, new CheckSilence(lastHeard, SilenceWatch.Login), Via.System, "device.silence", ct,
            checkAccess: false);
        return outcome is DeviceOutcome.Done;
    }
}
