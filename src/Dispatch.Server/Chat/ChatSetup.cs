using Dispatch.Server.Identity;
using Marten;

namespace Dispatch.Server.Chat;

/// <summary>
/// Chat over the JSON API (the same service as the hub and the console): channels, history pages, posting and read marks.
/// Channel keys go in the query or body (they contain '/' and ':').
/// </summary>
public static class ChatSetup
{
    public sealed record PostRequest(string? Channel, string? Text);
    public sealed record ReadRequest(string? Channel, long Seq);

    public static WebApplicationBuilder AddChat(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Projections.Add(new ChannelHeadProjection(), JasperFx.Events.Projections.ProjectionLifecycle.Inline);
            opts.Schema.For<ChannelHead>().Index(h => h.Key).Index(h => h.Kind);
            opts.Schema.For<ChatReadMark>().Index(m => m.Login);
        });
        builder.Services.AddSingleton<ChannelDirectory>();
        builder.Services.AddSingleton<ChatText>();
        builder.Services.AddSingleton<ChatProposals>();
        builder.Services.AddScoped<ChatService>();
        builder.Services.AddSingleton<ChatFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatFeed>());
        return builder;
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/chat").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/channels", async (HttpContext http, ChatService chat, CancellationToken ct) => Results.Ok(await chat.Channels(http.Actor(), ct)));
        api.MapGet("/messages", async (string? channel, long? before, int? limit, HttpContext http, ChatService chat, ChatText words, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(channel)) return Missing("channel", "Name the channel, e.g. channel=node:demo/dh.");
            if (limit is < 1 or > ChatService.MaxPageSize) return Missing("limit", $"A page holds 1 to {ChatService.MaxPageSize} messages.");
            return await chat.History(http.Actor(), channel, before, limit ?? ChatService.PageSize, ct) is { } history
                ? Results.Ok(new ChatHistoryView([.. history.Messages.Select(m => ChatMessageView.Of(m, http.Actor(), words))], history.HasMore))
                : NoChannel(channel);
        });
        api.MapPost("/messages", async (PostRequest body, HttpContext http, ChatService chat, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(body.Channel)) return Missing("channel", "Name the channel to write in.");
            var reply = ChatReply.Of(await chat.PostOrThrow(http.Actor(), body.Channel, body.Text, ct));
            return reply.Ok ? Results.Ok(reply) : reply.Code == "chat.no-channel" ? NoChannel(body.Channel) : Results.UnprocessableEntity(reply);
        });
        api.MapPost("/read", async (ReadRequest body, HttpContext http, ChatService chat, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(body.Channel)) return Missing("channel", "Name the channel you read.");
            await chat.MarkRead(http.Actor(), body.Channel, body.Seq, ct);
            return Results.NoContent();
        });
        app.MapHub<ChatHub>(ChatHub.Path);
        return app;
    }

    static IResult Missing(string field, string message) => Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    static IResult NoChannel(string channel) =>
        Results.Problem(statusCode: 404, title: "No such channel", detail: $"There is no channel {channel} that you may read.");
}
