using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace Dispatch.Server.Storage;

public static class StorageSetup
{
    /// <summary>
    /// Where the async daemon runs: <c>HotCold</c> (the default: the nodes on one database elect one by a PostgreSQL
    /// advisory lock, and another takes over within about <see cref="LeadershipPollingKey"/> when it stops), <c>Solo</c>
    /// (this node runs every async projection without asking; only with a single node) or <c>Disabled</c> (never here).
    /// </summary>
    public const string DaemonModeKey = "Dispatch:Projections:Daemon";

    public const DaemonMode DefaultDaemonMode = DaemonMode.HotCold;

    /// <summary>
    /// How often, in milliseconds, a standby node tries the leader's lock (and the leader checks it still holds it): the
    /// failover time is about this long. One cheap query per node each time.
    /// </summary>
    public const string LeadershipPollingKey = "Dispatch:Projections:LeadershipPollingMs";

    /// <summary>
    /// Marten on PostgreSQL: one stream per incident, the board card and the incident detail as inline
    /// projections (they commit with the events, so what a command wrote is readable at once). Multi-stream
    /// read models (the KPIs) are async projections in the daemon (<see cref="DaemonModeKey"/>).
    /// </summary>
    /// <summary>
    /// The pool's defaults for a command path that checks a connection out several times per request (what a connection
    /// string says explicitly wins): no <c>DISCARD ALL</c> round trip on every return to the pool (nothing of ours leaves
    /// session state behind: LISTEN and the daemon's advisory locks live on connections of their own), so the statements
    /// Npgsql prepares automatically stay prepared and PostgreSQL parses and plans each of Marten's few statements once
    /// per connection instead of on every command (docs/benchmarks.md, issue 15).
    /// </summary>
    public static string Pooled(string connection)
    {
        var given = new NpgsqlConnectionStringBuilder(connection);
        // Npgsql takes each key with or without its spaces ("No Reset On Close", "NoResetOnClose"): compare without them.
        var keys = connection.Split(';').Select(p => p.Split('=')[0].Replace(" ", "").ToLowerInvariant()).ToHashSet();
        if (!keys.Contains("noresetonclose")) given.NoResetOnClose = true;
        if (!keys.Contains("maxautoprepare")) given.MaxAutoPrepare = 64;
        if (!keys.Contains("autoprepareminusages")) given.AutoPrepareMinUsages = 2;
        return given.ConnectionString;
    }

    public static WebApplicationBuilder AddDispatchStorage(this WebApplicationBuilder builder)
    {
        var connection = builder.Configuration.GetConnectionString("Dispatch");
        if (string.IsNullOrWhiteSpace(connection))
        {
            connection = EmbeddedPostgres.EnsureStarted();
            builder.Configuration["ConnectionStrings:Dispatch"] = connection;
            builder.Configuration[EmbeddedPostgres.InUseKey] = "true";
        }

        // One pool for Marten, the change listener and the incident numbers.
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(Pooled(connection)));
        builder.Services.AddMarten(opts =>
            {
                opts.DatabaseSchemaName = "dispatch";
                opts.Events.StreamIdentity = StreamIdentity.AsGuid;
                // Incidents and units are snapshots kept with each commit (inline): a command reads the document, not the
                // whole stream, so its cost does not grow with the stream's history (docs/benchmarks.md, issue 13).
                opts.Projections.Add(new IncidentAggregation(), ProjectionLifecycle.Inline);
                opts.Projections.Add(new IncidentCardProjection(), ProjectionLifecycle.Inline);
                opts.Projections.Add(new IncidentDetailProjection(), ProjectionLifecycle.Inline);
                opts.Projections.Add(new Units.UnitAggregation(), ProjectionLifecycle.Inline);
                opts.Projections.Add(new Units.UnitRosterProjection(), ProjectionLifecycle.Inline);
                opts.Schema.For<IncidentCard>().Index(c => c.IsOpen);
                opts.Schema.For<IncidentDetail>().Index(d => d.CallerPhone!).Index(d => d.FoundBy!);
                opts.Schema.For<IntakeKey>();
                opts.Schema.For<Units.AppliedStep>();
                opts.Schema.For<IncidentCard>().Index(c => c.ScopePath).Index(c => c.NextCheckAt!);
                opts.Schema.For<Identity.UserAccount>();
                opts.Schema.For<Audit.AuditEntry>().Index(a => a.At).Index(a => a.User).Index(a => a.IncidentId!).Index(a => a.Number!);
                opts.Schema.For<Units.UnitRosterEntry>().Index(u => u.Login!);
                opts.Storage.ExtendedSchemaObjects.Add(IncidentNumbers.Table());
                opts.Storage.ExtendedSchemaObjects.AddRange(Units.UnitMailbox.Tables());
                opts.Storage.ExtendedSchemaObjects.Add(Photos.PhotoStore.Table());
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
                opts.Projections.LeadershipPollingTime = builder.Configuration.GetValue(LeadershipPollingKey, 1000);
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .AddAsyncDaemon(builder.Configuration.GetValue(DaemonModeKey, DefaultDaemonMode))
            .ApplyAllDatabaseChangesOnStartup();
        builder.Services.AddHostedService<ReadModelUpgrade>();
        return builder;
    }
}

/// <summary>The incident snapshot (inline), through the domain's own fold.</summary>
public sealed class IncidentAggregation : Marten.Events.Aggregation.SingleStreamProjection<Incident, Guid>
{
    // Inline, it would otherwise look at every stream a commit touches (units, channels…): only incident events concern it.
    public IncidentAggregation() => IncludeType<IIncidentEvent>();

    // Whatever else reaches it has no incident to fold onto.
    public override Incident? Evolve(Incident? snapshot, Guid id, IEvent e) =>
        snapshot is null && e.Data is not IncidentReported ? null : Incident.Evolve(snapshot, e.Data);
}
