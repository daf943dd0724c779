using Dispatch.Domain.Access;
using Dispatch.Domain.Warning;
using JasperFx.Events.Projections;
using Marten;

namespace Dispatch.Server.Situation;

/// <summary>The situation screen's own settings (<c>Dispatch:Situation</c>, docs/configuration.md).</summary>
public sealed class SituationOptions
{
    public const string Section = "Dispatch:Situation";

    /// <summary>At most one refresh of the screens per this interval, however many changes arrive.</summary>
    public TimeSpan Coalesce { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The early warning's settings (<c>Dispatch:Warning</c>): whether the surge watch runs, and its rule.</summary>
public sealed class WarningOptions
{
    public const string Section = "Dispatch:Warning";

    public bool Enabled { get; set; } = true;
    public TimeSpan Window { get; set; } = SurgeSettings.Default.Window;
    public int BaselineDays { get; set; } = SurgeSettings.Default.BaselineDays;
    public double StartSigmas { get; set; } = SurgeSettings.Default.StartSigmas;
    public double EndSigmas { get; set; } = SurgeSettings.Default.EndSigmas;
    public int MinimumCount { get; set; } = SurgeSettings.Default.MinimumCount;

    public SurgeSettings ToSettings() => new()
    {
        Window = Window, BaselineDays = BaselineDays, StartSigmas = StartSigmas, EndSigmas = EndSigmas, MinimumCount = MinimumCount,
    };
}

/// <summary>
/// The situation screen (一屏统揽) and the early warning (预测预警): the per-node feed the screens read, the surge watch,
/// and the surge streams' read model.
/// </summary>
public static class SituationSetup
{
    /// <summary>Leaders and dispatchers, each for the widest node they hold one of those roles at.</summary>
    public static string? ScopeOf(Actor actor) =>
        actor.Grants.Where(g => g.Role is Role.Leader or Role.Dispatcher)
            .OrderBy(g => g.Scope.Count(c => c == '/')).ThenBy(g => g.Scope, StringComparer.Ordinal)
            .Select(g => g.Scope).FirstOrDefault();

    public static WebApplicationBuilder AddSituation(this WebApplicationBuilder builder)
    {
        var situation = builder.Configuration.GetSection(SituationOptions.Section).Get<SituationOptions>() ?? new SituationOptions();
        if (situation.Coalesce < TimeSpan.Zero || situation.Coalesce > TimeSpan.FromMinutes(1))
            throw new InvalidOperationException($"{SituationOptions.Section}:Coalesce must be between 00:00:00 and 00:01:00; it is '{situation.Coalesce}'.");
        var section = builder.Configuration.GetSection(WarningOptions.Section);
        var warning = section.Get<WarningOptions>() ?? new WarningOptions();
        // Read as the other windows are (Dispatch:Duplicates:Window): "24:00:00" is 24 hours, not .NET's 24 days.
        if (section["Window"] is { } window)
            warning.Window = Duplicates.DuplicateRules.ReadWindow(window)
                ?? throw new InvalidOperationException($"{WarningOptions.Section}:Window must be a time span as hours:minutes:seconds (01:00:00); it is '{window}'.");
        var settings = warning.ToSettings();
        if (settings.Problems() is { Count: > 0 } problems)
            throw new InvalidOperationException(string.Join("; ", problems.Select(p => $"{WarningOptions.Section}:{p}")) + ".");

        builder.Services.AddSingleton(situation);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<SituationLedger>();
        builder.Services.AddSingleton<SurgeFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SurgeFeed>());
        builder.Services.AddSingleton<SituationFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SituationFeed>());
        builder.Services.AddSingleton<SurgeWatch>();
        if (warning.Enabled) builder.Services.AddHostedService(sp => sp.GetRequiredService<SurgeWatch>());
        builder.Services.ConfigureMarten(opts =>
        {
            // The pair's state is a snapshot kept with each commit (inline), as incidents and units are.
            opts.Projections.Add(new SurgeAggregation(), ProjectionLifecycle.Inline);
            opts.Projections.Add(new SurgeCardProjection(), ProjectionLifecycle.Inline);
            opts.Schema.For<SurgeCard>().Index(s => s.Active);
            // The screens load today's cards and the past days' reports by these.
            opts.Schema.For<Incidents.IncidentCard>().Index(c => c.ReportedAt).Index(c => c.UpdatedAt);
        });
        return builder;
    }
}
