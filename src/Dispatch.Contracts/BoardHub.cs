namespace Dispatch.Contracts;

/// <summary>
/// What the server pushes to board clients that are not Blazor pages (the drill, wall displays) on
/// <see cref="BoardHubMethods.Path"/>. The card is the server's projection, large and still changing: the server
/// sends its own type, a client reads it as the shape it needs (the drill: raw JSON).
/// </summary>
public interface IBoardClient<TCard>
{
    Task CardChanged(TCard card);
    /// <summary>The incident moved out of what this client may see (placed elsewhere, taken from its department).</summary>
    Task CardLeft(Guid id);
    /// <summary>Changes may have been missed: call <see cref="BoardHubMethods.Board"/> again.</summary>
    Task Resync();
}

/// <summary>The board hub's methods a client calls.</summary>
public static class BoardHubMethods
{
    public const string Path = "/hubs/board";

    /// <summary>() → every open incident's card the user may see, as the board shows it now.</summary>
    public const string Board = nameof(Board);
}
