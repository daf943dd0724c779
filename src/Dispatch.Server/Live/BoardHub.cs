using Dispatch.Server.Incidents;
using Marten;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Live;

/// <summary>What the server pushes to board clients that are not Blazor pages (the drill tool, wall displays).</summary>
public interface IBoardClient
{
    Task CardChanged(IncidentCard card);
    /// <summary>Changes may have been missed: call <see cref="BoardHub.Board"/> again.</summary>
    Task Resync();
}

/// <summary>
/// Board push over SignalR. A client joins on connect and, on connect and on every reconnect, calls
/// <see cref="Board"/> to catch up; from then on it receives each changed card.
/// </summary>
public sealed class BoardHub(IQuerySession query) : Hub<IBoardClient>
{
    public const string Path = "/hubs/board";
    // One board for the whole city until jurisdictions arrive; then one group per jurisdiction path.
    public const string CityBoard = "board:city";

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, CityBoard);
        await base.OnConnectedAsync();
    }

    /// <summary>Every open incident, as the board shows it now.</summary>
    public Task<IReadOnlyList<IncidentCard>> Board() => query.Query<IncidentCard>().Where(c => c.IsOpen).ToListAsync();
}
