using Dispatch.Domain.Access;
using Dispatch.Server.Chat;
using Dispatch.Server.City;

namespace Dispatch.Server.Components.Chat;

/// <summary>Who reads a channel, as the message lines need it: whose mentions to emphasise, and department names behind an @.</summary>
public sealed record ChatReader(string Login, IReadOnlyCollection<string> Departments, Func<string, string?> DepartmentOf)
{
    public static ChatReader Of(Actor actor, CityCatalog city) => new(actor.Login, ChannelDirectory.Departments(actor), name =>
        city.Departments.FirstOrDefault(d =>
            string.Equals(d.Code, name, StringComparison.OrdinalIgnoreCase) || d.Zh == name || string.Equals(d.En, name, StringComparison.OrdinalIgnoreCase))?.Code);
}

public static class ChatTime
{
    /// <summary>A message's time as a list shows it: HH:mm today, MM-dd HH:mm before, in the city's time zone.</summary>
    public static string Short(CityCatalog city, DateTimeOffset now, DateTimeOffset at)
    {
        var local = city.ToLocal(at);
        return local.ToString(local.Date == city.ToLocal(now).Date ? "HH:mm" : "MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
    }
}
