using Dispatch.Server.Incidents;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>Looks at what was really written, through the app's own document store.</summary>
public static class Store
{
    public static IDocumentStore Documents(this DispatchApp app) => app.Services.GetRequiredService<IDocumentStore>();

    public static async Task<IReadOnlyList<IEvent>> Events(this DispatchApp app, Guid id)
    {
        await using var session = app.Documents().QuerySession();
        return await session.Events.FetchStreamAsync(id);
    }

    /// <summary>
    /// Asserts that an intake wrote exactly <see cref="Dispatch.Domain.Incidents.IncidentReported"/> (version 1)
    /// followed by one placement event of type <typeparamref name="TPlacement"/> (version 2) and the routing
    /// policy's suggestion (version 3), and nothing else; returns the first two.
    /// </summary>
    public static async Task<(Dispatch.Domain.Incidents.IncidentReported Reported, TPlacement Placement)> IntakeEvents<TPlacement>(
        this DispatchApp app, Guid id)
    {
        var events = await app.Events(id);
        Assert.Equal(3, events.Count);
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Version));
        Assert.IsType<Dispatch.Domain.Incidents.IncidentRouted>(events[2].Data);
        return (Assert.IsType<Dispatch.Domain.Incidents.IncidentReported>(events[0].Data), Assert.IsType<TPlacement>(events[1].Data));
    }

    /// <summary>The stream's version, or null when there is no such stream.</summary>
    public static async Task<long?> StreamVersion(this DispatchApp app, Guid id)
    {
        await using var session = app.Documents().QuerySession();
        return (await session.Events.FetchStreamStateAsync(id))?.Version;
    }

    public static async Task<IncidentCard?> Card(this DispatchApp app, Guid id)
    {
        await using var session = app.Documents().QuerySession();
        return await session.LoadAsync<IncidentCard>(id);
    }

    /// <summary>
    /// How many event streams exist in this fixture's database. Marten's own tombstone stream (where it parks
    /// the sequence numbers of appends that rolled back) is not one of ours and is left out.
    /// </summary>
    public static async Task<long> StreamCount(this DispatchApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from dispatch.mt_streams s where exists " +
            "(select 1 from dispatch.mt_events e where e.stream_id = s.id and e.type <> 'tombstone')", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Asserts that running <paramref name="act"/> wrote nothing to the incident: same stream version, same
    /// card version, and no stream was started anywhere.
    /// </summary>
    public static async Task WritesNothing(this DispatchApp app, Guid id, Func<Task> act)
    {
        var version = await app.StreamVersion(id);
        var card = await app.Card(id);
        var streams = await app.StreamCount();

        await act();

        Assert.Equal(version, await app.StreamVersion(id));
        Assert.Equal(card?.Version, (await app.Card(id))?.Version);
        Assert.Equal(streams, await app.StreamCount());
    }

    /// <summary>Asserts that running <paramref name="act"/> started no stream.</summary>
    public static async Task StartsNoStream(this DispatchApp app, Func<Task> act)
    {
        var streams = await app.StreamCount();
        await act();
        Assert.Equal(streams, await app.StreamCount());
    }
}
