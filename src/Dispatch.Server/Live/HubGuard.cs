using System.Globalization;
using System.Reflection;
using System.Threading.RateLimiting;
using Dispatch.Domain.Chat;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Live;

/// <summary>
/// Every call to one of our hubs passes here first: a per-user token bucket (<c>Dispatch:RateLimits:HubCallsPerSecond</c>,
/// bursts of twice that), then every string argument is checked (given, not too long, no control characters: the
/// rule chat and intake use). A refused call is answered, never thrown at: a method that answers a reply record
/// (<see cref="ChatReply"/>, <see cref="UnitReply"/>) gets one with ok false and a code; one that returns data gets
/// an empty answer for bad arguments, and a <see cref="HubException"/> (an error to the caller, the connection stays)
/// when over the limit. Hubs of other assemblies (Blazor's circuit) are let through untouched.
/// </summary>
public sealed class HubGuard : IHubFilter, IDisposable
{
    public const string TooManyCode = "rate.limited";
    public const string TooManyText = "Too many requests (429): slow down, this user sent more hub calls than the server accepts.";

    readonly PartitionedRateLimiter<string> _limiter;

    public HubGuard(IConfiguration configuration)
    {
        var perSecond = Math.Max(1, configuration.GetValue("Dispatch:RateLimits:HubCallsPerSecond", 50));
        _limiter = PartitionedRateLimiter.Create<string, string>(user => RateLimitPartition.GetTokenBucketLimiter(user,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = perSecond * 2, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0, AutoReplenishment = true,
            }));
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (context.Hub.GetType().Assembly != typeof(HubGuard).Assembly) return await next(context);

        var method = context.HubMethod;
        using (var lease = _limiter.AttemptAcquire(context.Context.User?.Identity?.Name ?? context.Context.ConnectionId))
            if (!lease.IsAcquired)
                return Reply(method, TooManyCode, TooManyText) ?? throw new HubException(TooManyText);

        var parameters = method.GetParameters();
        for (var i = 0; i < parameters.Length && i < context.HubMethodArguments.Count; i++)
        {
            if (parameters[i].ParameterType != typeof(string)) continue;
            if (Check(parameters[i].Name ?? $"argument {i + 1}", context.HubMethodArguments[i] as string) is { } bad)
                return Reply(method, bad.Code, bad.Message) ?? Empty(method);
        }
        return await next(context);
    }

    /// <summary>What is wrong with a string argument, if anything; a chat line (<c>text</c>) by the chat's own rule.</summary>
    public static ChatError? Check(string name, string? value)
    {
        if (name == "text") return SlashCommands.CheckMessage(value);
        if (string.IsNullOrWhiteSpace(value)) return new($"{name}.required", $"Give the {name}: it is missing or empty.");
        if (value.Length > SlashCommands.MaxLength)
            return new($"{name}.too-long", string.Create(CultureInfo.InvariantCulture,
                $"The {name} is at most {SlashCommands.MaxLength} characters; this one has {value.Length}."));
        foreach (var c in value)
            if (SlashCommands.IsForbidden(c))
                return new($"{name}.control", string.Create(CultureInfo.InvariantCulture,
                    $"The {name} contains a control character (U+{(int)c:X4}); remove it."));
        return null;
    }

    static Type Result(MethodInfo method) =>
        method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() is var g && (g == typeof(Task<>) || g == typeof(ValueTask<>))
            ? method.ReturnType.GetGenericArguments()[0]
            : method.ReturnType;

    /// <summary>The hub's own refusal record, when the method answers one.</summary>
    static object? Reply(MethodInfo method, string code, string text) => Result(method) switch
    {
        var t when t == typeof(ChatReply) => new ChatReply(false, "refused", text, code),
        var t when t == typeof(UnitReply) => new UnitReply(false, code, text),
        _ => null,
    };

    /// <summary>Nothing to show: an empty list or page, false, or no value.</summary>
    static object? Empty(MethodInfo method)
    {
        var type = Result(method);
        if (type == typeof(ChatHistoryView)) return new ChatHistoryView([], false);
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var g
            && (g == typeof(IReadOnlyList<>) || g == typeof(IEnumerable<>) || g == typeof(IReadOnlyCollection<>)))
            return Array.CreateInstance(type.GetGenericArguments()[0], 0);
        return type.IsValueType && type != typeof(void) && type != typeof(ValueTask) ? Activator.CreateInstance(type) : null;
    }

    public void Dispose() => _limiter.Dispose();
}
