namespace Dispatch.Server.Pipeline;

/// <summary>Where a command came from: kept in its audit line, so the trail says whether a step was a button, a call to the API, a slash command, a tap on a phone or the platform itself.</summary>
public enum Via
{
    Console,
    Api,
    Chat,
    Phone,
    System,
    /// <summary>A registered sensor, by its own key (readings that alarm or recover).</summary>
    Device,
    /// <summary>A citizen's Open311 client (GeoReport v2) or the public status and rating pages.</summary>
    Open311,
}

public static class ViaNames
{
    /// <summary>The word the audit trail keeps: console, api, chat, phone, system, device.</summary>
    public static string Name(this Via via) => via.ToString().ToLowerInvariant();
}
