namespace Dispatch.Server.Rewind;

/// <summary>Time travel (issue 20): the record as it stood at a past moment, for the as-of views and the review page.</summary>
public static class RewindSetup
{
    public static WebApplicationBuilder AddRewind(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RewindOptions.Section).Get<RewindOptions>() ?? new RewindOptions();
        if (options.Problems() is { Count: > 0 } problems)
            throw new InvalidOperationException(string.Join("; ", problems.Select(p => $"{RewindOptions.Section}:{p}")) + ".");
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<Keyframes>();
        builder.Services.AddSingleton<PastRecord>();
        builder.Services.AddSingleton<PastViews>();
        // Scoped: it reads the chat through ChatService, which is.
        builder.Services.AddScoped<IncidentReview>();
        // The scrubber's steps, cut for the person looking (rewind-ui).
        builder.Services.AddSingleton<Components.Rewind.ReplaySteps>();
        builder.Services.AddSingleton<KeyframeKeeper>();
        // The table is made at start on every node (rewinds read it); only the writing is switchable.
        if (options.Keyframes) builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyframeKeeper>());
        else builder.Services.AddHostedService(sp => new KeyframeTable(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
        return builder;
    }

    /// <summary>Makes the keyframes' table on a node that does not write them.</summary>
    sealed class KeyframeTable(Npgsql.NpgsqlDataSource db) : IHostedService
    {
        public Task StartAsync(CancellationToken ct) => Keyframes.Ensure(db, ct);
        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
