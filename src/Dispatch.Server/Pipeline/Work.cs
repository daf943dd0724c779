using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Domain.Warning;
using Dispatch.Server.Audit;
using Dispatch.Server.Chat;
using Dispatch.Server.Live;
using Dispatch.Server.Photos;
using Dispatch.Server.Situation;
using Dispatch.Server.Units;
using Marten;
using JasperFx.Events;
using Marten.Events;

namespace Dispatch.Server.Pipeline;

/// <summary>What a work wrote: each stream's version after it, and the numbers of the chat lines it posted.</summary>
public sealed class Written(IReadOnlyDictionary<Guid, long> versions, IReadOnlyList<long> chatNumbers)
{
    public static readonly Written Nothing = new(new Dictionary<Guid, long>(), []);

    public long Version(Guid stream) => versions.TryGetValue(stream, out var version) ? version : 0;

    public IReadOnlyList<long> ChatNumbers => chatNumbers;
}

/// <summary>
/// One command's unit of work: who acts and via what, the clock's time, the streams it has locked, and the writing of its
/// effects into one transaction. A write path reads through <see cref="Query"/>, locks through <see cref="Incident"/>,
/// <see cref="Unit"/> and <see cref="Surge"/>, and returns effects; it never writes to the session itself.
/// </summary>
public sealed class Work : IAsyncDisposable
{
    readonly IDocumentSession _session;
    readonly TimeProvider _clock;
    readonly CommandPipeline _pipeline;
    readonly Dictionary<Guid, object> _locked = [];
    readonly Dictionary<Guid, long> _versions = [];
    (int Rank, Guid Id)? _lastLock;

    internal Work(IDocumentSession session, TimeProvider clock, CommandPipeline pipeline, Actor actor, Via via, CancellationToken ct,
        DateTimeOffset? now = null)
    {
        (_session, _clock, _pipeline, Actor, Via, Cancellation) = (session, clock, pipeline, actor, via, ct);
        Now = now ?? clock.GetUtcNow();
    }

    public Actor Actor { get; }
    public Via Via { get; }
    public DateTimeOffset Now { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Reads inside the work's transaction (what the locks protect).</summary>
    public IQuerySession Query => _session;

    internal bool PostsToChat { get; private set; }

    /// <summary>
    /// Locks an incident's stream until the commit; with <paramref name="expectedVersion"/> (what the person saw) it is
    /// not locked but checked at the commit instead, and a change in between is a conflict.
    /// </summary>
    public async Task<IEventStream<Incident>> Incident(Guid id, long? expectedVersion = null)
    {
        if (_locked.TryGetValue(id, out var held)) return (IEventStream<Incident>)held;
        InOrder(0, id);
        var stream = expectedVersion is { } expected
            ? await _session.Events.FetchForWriting<Incident>(id, expected, Cancellation)
            : await _session.Events.FetchForExclusiveWriting<Incident>(id, Cancellation);
        _locked[id] = stream;
        return stream;
    }

    public Task<IEventStream<Unit>> Unit(Guid id) => Lock<Unit>(1, id);

    public Task<IEventStream<SurgeState>> Surge(Guid id) => Lock<SurgeState>(2, id);

    public Task<IEventStream<Domain.Sensors.Device>> Device(Guid id) => Lock<Domain.Sensors.Device>(3, id);

    public Task<IEventStream<Domain.Operations.Operation>> Operation(Guid id) => Lock<Domain.Operations.Operation>(4, id);

    /// <summary>
    /// Holds a named lock until the commit (a PostgreSQL transaction advisory lock), for what has no stream to lock yet:
    /// a sensor alarm at a place, which opens an incident or folds into the one open there. Taken before any stream,
    /// so it never waits on a stream another work holds while that work waits on it.
    /// </summary>
    public async Task Hold(string key)
    {
        InOrder(-1, new Guid(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(key))));
        await _session.BeginTransactionAsync(Cancellation);
        await using var command = new Npgsql.NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended($1, 7))", _session.Connection)
        {
            Parameters = { new() { Value = key } },
        };
        await command.ExecuteNonQueryAsync(Cancellation);
    }

    async Task<IEventStream<T>> Lock<T>(int rank, Guid id) where T : class
    {
        if (_locked.TryGetValue(id, out var held)) return (IEventStream<T>)held;
        InOrder(rank, id);
        var stream = await _session.Events.FetchForExclusiveWriting<T>(id, Cancellation);
        _locked[id] = stream;
        return stream;
    }

    /// <summary>
    /// Every work takes its locks in one order — held names first, then incidents before units before surge pairs before devices (chat channels last, when the
    /// effects are written), each kind by id — so two commands never wait on each other in a circle.
    /// </summary>
    void InOrder(int rank, Guid id)
    {
        if (_lastLock is { } last && (rank, id).CompareTo(last) < 0)
            throw new InvalidOperationException($"Lock order broken: stream {id} (rank {rank}) after {last.Id} (rank {last.Rank}).");
        _lastLock = (rank, id);
    }

    IEventStream<T> Locked<T>(Guid id) where T : class =>
        _locked.TryGetValue(id, out var held) ? (IEventStream<T>)held
            : throw new InvalidOperationException($"Events for stream {id}, which this work has not locked.");

    /// <summary>See <see cref="CommandPipeline.Deny"/>.</summary>
    public Task<Denial> Deny(string action, string scope, string message, Guid? id = null, string? number = null) =>
        _pipeline.Deny(Actor, Via, action, scope, message, id, number, Cancellation);

    internal async Task<Written> Write(IReadOnlyList<Effect> effects)
    {
        var chat = new List<ChannelMessagePosted>();
        var typed = new List<TypedInChat>();
        var reads = new List<ReadUpTo>();
        var incidents = new Dictionary<Guid, (Incident After, List<object> Events)>();
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case IncidentStarted started:
                    _session.Events.StartStream<Incident>(started.Id, started.Events);
                    _versions[started.Id] = started.Events.Count;
                    IncidentChangeFeed.Notify(_session, started.Id, started.Events.Count);
                    break;
                case UnitStarted started:
                    _session.Events.StartStream<Unit>(started.Id, started.Events);
                    _versions[started.Id] = started.Events.Count;
                    UnitFeed.Notify(_session, started.Id);
                    break;
                case IncidentDecided decided:
                    await WriteIncident(decided, incidents, chat);
                    break;
                case DeviceStarted started:
                    _session.Events.StartStream<Domain.Sensors.Device>(started.Id, started.Events);
                    _versions[started.Id] = started.Events.Count;
                    break;
                case DeviceDecided decided:
                    Append(Locked<Domain.Sensors.Device>(decided.Id), decided.Events);
                    break;
                case UnitDecided decided:
                    Append(Locked<Unit>(decided.Id), decided.Events);
                    UnitFeed.Notify(_session, decided.Id);
                    break;
                case SurgeDecided decided:
                    Append(Locked<SurgeState>(decided.StreamId), [decided.Event]);
                    SituationFeed.Notify(_session, decided.StreamId);
                    break;
                case OperationStarted started:
                    _session.Events.StartStream<Domain.Operations.Operation>(started.Id, started.Events);
                    _versions[started.Id] = started.Events.Count;
                    Operations.OperationFeed.Notify(_session, started.Id);
                    break;
                case OperationDecided decided:
                    Append(Locked<Domain.Operations.Operation>(decided.Id), decided.Events);
                    Operations.OperationFeed.Notify(_session, decided.Id);
                    break;
                case TellUnit tell:
                    UnitMailbox.Post(_session, tell.UnitId, tell.Message.Kind, tell.Message, Now);
                    break;
                case WakeUnit wake:
                    UnitMailbox.Wake(_session, wake.UnitId);
                    break;
                case PostToChat post:
                    chat.AddRange(post.Messages);
                    break;
                case TypedInChat line:
                    typed.Add(line);
                    break;
                case ReadUpTo read:
                    reads.Add(read);
                    break;
                case AuditLine audit:
                    AuditTrail.Record(_session, _clock, Actor.Login, audit.Action, audit.Scope, audit.Detail, audit.IncidentId, audit.Number,
                        via: Via.Name());
                    break;
                case StoreDocument { Insert: true } document:
                    _session.InsertObjects([document.Document]);
                    break;
                case StoreDocument document:
                    _session.StoreObjects([document.Document]);
                    break;
                case StorePhoto photo:
                    PhotoStore.Queue(_session, photo.Attached, photo.Bytes);
                    break;
                case PlanRevision revision:
                    if (revision.Start) _session.Events.StartStream(revision.StreamId, revision.Revised);
                    else _session.Events.Append(revision.StreamId, revision.Revised);
                    Plans.PlanVersions.Notify(_session, revision.Revised.Code);
                    break;
                case StepApplied applied:
                    // Its stream's events are appended by now (the effect comes after them): the version the answer gives.
                    applied.Step.Version = _versions.TryGetValue(applied.VersionOf, out var version) ? version : 0;
                    _session.Insert(applied.Step);
                    break;
                default:
                    throw new InvalidOperationException($"No writer for {effect.GetType().Name}.");
            }
        }

        foreach (var line in typed)
        {
            // The command's own line says what it did; the platform does not say it again in the same channel.
            var channel = Channels.Incident(line.IncidentId).Key;
            chat.RemoveAll(p => p.Channel == channel && p.Kind == MessageKind.System);
            var (after, events) = incidents.TryGetValue(line.IncidentId, out var written) ? written : (null, []);
            line.Line.Result = line.Result(after, events);
            chat.Insert(0, new ChannelMessagePosted(channel, MessageKind.Command, Actor.Login, Actor.Name, line.Line.Text, line.Line.Mentions,
                line.IncidentId, Now, line.Line.Result));
        }

        IReadOnlyList<long> numbers = [];
        if (chat.Count > 0)
        {
            PostsToChat = true;
            numbers = await ChatLog.Append(_session, chat, Cancellation);
        }
        foreach (var read in reads)
        {
            var last = chat.Select((m, i) => (m, i)).LastOrDefault(x => x.m.Channel == read.Channel);
            if (last.m is null) continue;
            _session.Store(new ChatReadMark
            {
                Id = ChatReadMark.IdOf(Actor.Login, read.Channel), Login = Actor.Login, Channel = read.Channel, LastRead = numbers[last.i],
            });
        }
        return new Written(_versions, numbers);
    }

    /// <summary>An incident's events and what follows from them (see <see cref="IncidentDecided"/>).</summary>
    async Task WriteIncident(IncidentDecided decided, Dictionary<Guid, (Incident After, List<object> Events)> incidents,
        List<ChannelMessagePosted> chat)
    {
        if (decided.Events.Count == 0) return;
        var stream = Locked<Incident>(decided.Id);
        var before = incidents.TryGetValue(decided.Id, out var earlier) ? earlier.After : stream.Aggregate!;
        var after = decided.Events.Aggregate(before, (i, e) => Domain.Incidents.Incident.Evolve(i, e)!);
        var events = decided.Events.ToList();
        // The units on it, as its own (locked) stream tells: in id order, the order their streams are locked in.
        var units = before.Units.Select(u => u.Id).Order().ToList();
        if (units.Count > 0)
        {
            if (decided.TellCrews) UnitsOfIncident.Tell(_session, units, after, decided.Events, Actor.Login, Now);
            // A finished incident frees its crews in the same transaction: none stays sent to a finished matter.
            if (!after.IsOpen) events.AddRange(await Release(after, units));
        }
        Append(stream, events);
        var all = incidents.TryGetValue(decided.Id, out earlier) ? [.. earlier.Events, .. events] : events;
        incidents[decided.Id] = (after, all);
        chat.AddRange(SystemMessages.For(after, events)
            .Select(p => new ChannelMessagePosted(p.Channel.Key, MessageKind.System, Mentions.Platform, "", "", [], p.IncidentId, Now, p.Result)));
        IncidentChangeFeed.Notify(_session, decided.Id, _versions[decided.Id]);
    }

    /// <summary>Frees every unit still on a finished incident: each unit's release, and the incident events that record it.</summary>
    async Task<IReadOnlyList<object>> Release(Incident finished, IReadOnlyList<Guid> units)
    {
        var onIncident = new List<object>();
        foreach (var unitId in units)
        {
            var stream = await Unit(unitId);
            if (stream.Aggregate is not { } unit) continue;
            var decision = UnitsOnIncident.Move(finished, unit, new ReleaseUnit(Actor.Login, finished.Id), Now);
            if (decision.Refusal is not null) continue;
            Append(stream, decision.UnitEvents);
            onIncident.AddRange(decision.IncidentEvents);
            UnitFeed.Notify(_session, unitId);
            UnitMailbox.Post(_session, unitId, UnitMessageKind.Released, new ReleasedMessage(finished.Id, finished.Number, Actor.Login, Actor.Name), Now);
        }
        return onIncident;
    }

    void Append<T>(IEventStream<T> stream, IReadOnlyList<object> events) where T : class
    {
        stream.AppendMany(events);
        _versions[stream.Id] = (_versions.TryGetValue(stream.Id, out var v) ? v : stream.StartingVersion ?? 0) + events.Count;
    }

    internal Task Commit() => _session.SaveChangesAsync(Cancellation);

    /// <summary>Locked no stream and held no name: its effects may share a transaction with others' (<see cref="GroupCommit"/>).</summary>
    internal bool LocksNothing => _lastLock is null;

    /// <summary>Writes this work's effects into a group's session (<see cref="GroupCommit"/>), as the same actor, via and time.</summary>
    internal Task<Written> WriteInto(IDocumentSession session, IReadOnlyList<Effect> effects) =>
        new Work(session, _clock, _pipeline, Actor, Via, CancellationToken.None, Now).Write(effects);

    /// <summary>The session's connection, if it has one (to clear its pool after the connection was cut).</summary>
    internal Npgsql.NpgsqlConnection? Connection => _session.Connection;

    public ValueTask DisposeAsync() => _session.DisposeAsync();
}
