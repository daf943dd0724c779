namespace Dispatch.Server.Components.Chat;

/// <summary>
/// The navigation's unread count for one console (scoped: one per circuit). The chat page, while open, owns the count (it
/// knows what is read); otherwise the layout keeps it from the channel list and the pushed messages.
/// </summary>
public sealed class ChatBadge
{
    public int Unread { get; private set; }

    /// <summary>The chat page is open and keeps the count itself.</summary>
    public bool OwnedByPage { get; private set; }

    public event Action? Changed;

    public void Set(int unread)
    {
        if (unread == Unread) return;
        Unread = Math.Max(0, unread);
        Changed?.Invoke();
    }

    public void Add(int more) => Set(Unread + more);

    public void Own(bool owned) => OwnedByPage = owned;
}
