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
