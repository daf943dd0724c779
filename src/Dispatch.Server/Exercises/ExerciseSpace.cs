using Npgsql;

namespace Dispatch.Server.Exercises;

/// <summary>
/// Whether this node serves an exercise space (演练) rather than the live city. An exercise is the same console on a
/// database of its own: scenarios are played into it, trainees work it like the real thing, and nothing in it can reach
/// the live incidents, because the two never share a database (<see cref="ExerciseSpaceGuard"/>) and the scenario player
/// refuses a server that does not say it is an exercise (<see cref="Header"/>).
/// </summary>
public sealed record ExerciseSpace(string? Name)
{
    /// <summary>Names the exercise; set, this node is an exercise node. Unset (the default), it is live.</summary>
    public const string NameKey = "Dispatch:Exercise:Name";

    /// <summary>On every answer of an exercise node: the exercise's name, URI-escaped (a header is ASCII).</summary>
    public const string Header = "X-Dispatch-Exercise";

    public bool IsExercise => !string.IsNullOrWhiteSpace(Name);

    public static ExerciseSpace Live { get; } = new((string?)null);
}

public static class ExerciseSetup
{
    /// <summary>Right after storage: the guard must look at the database before anything seeds or writes into it.</summary>
    public static WebApplicationBuilder AddExerciseSpace(this WebApplicationBuilder builder)
    {
        var name = builder.Configuration[ExerciseSpace.NameKey];
        var space = string.IsNullOrWhiteSpace(name) ? ExerciseSpace.Live : new ExerciseSpace(name.Trim());
        builder.Services.AddSingleton(space);
        builder.Services.AddHostedService<ExerciseSpaceGuard>();
        return builder;
    }

    /// <summary>An exercise node says so on every answer, so that no client can mistake it for the live city.</summary>
    public static IApplicationBuilder UseExerciseMark(this IApplicationBuilder app)
    {
        var space = app.ApplicationServices.GetRequiredService<ExerciseSpace>();
        if (!space.IsExercise) return app;
        var value = Uri.EscapeDataString(space.Name!);
        return app.Use((http, next) =>
        {
            http.Response.Headers[ExerciseSpace.Header] = value;
            return next(http);
        });
    }
}

/// <summary>
/// Keeps the live city and its exercises apart at start-up. A database is marked as an exercise space the first time an
/// exercise node starts on it, and only if it holds no events yet: an exercise node refuses a database with live history,
/// and a live node refuses a database marked as an exercise. Either refusal stops the node before it writes anything.
/// </summary>
public sealed class ExerciseSpaceGuard(NpgsqlDataSource db, ExerciseSpace space, ILogger<ExerciseSpaceGuard> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, """
            create table if not exists dispatch.exercise_space (
              name text not null,
              marked_at timestamptz not null default now());
            lock table dispatch.exercise_space in exclusive mode;
            """, ct);
        var marked = await Scalar<string>(connection, "select name from dispatch.exercise_space limit 1", ct);
        if (!space.IsExercise)
        {
            if (marked is not null)
                throw new InvalidOperationException(
                    $"This database is the exercise space '{marked}': a live node does not start on it. Start it with {ExerciseSpace.NameKey}, " +
                    "or give the live city its own database.");
            await tx.CommitAsync(ct);
            return;
        }
        if (marked is null)
        {
            var hasEvents = await Scalar<bool>(connection, "select exists (select 1 from dispatch.mt_events)", ct);
            if (hasEvents)
                throw new InvalidOperationException(
                    $"Exercise '{space.Name}' refused: this database already holds events and is not an exercise space. " +
                    "An exercise runs on a database of its own (deploy/exercise makes one), never on the live city's.");
            await using var mark = new NpgsqlCommand("insert into dispatch.exercise_space (name) values ($1)", connection);
            mark.Parameters.AddWithValue(space.Name!);
            await mark.ExecuteNonQueryAsync(ct);
            log.LogWarning("Marked this database as the exercise space '{Name}'", space.Name);
        }
        else
        {
            log.LogWarning("Exercise node: this database is the exercise space '{Marked}' (this node calls it '{Name}')", marked, space.Name);
        }
        await tx.CommitAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    static async Task<T?> Scalar<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct) is T value ? value : default;
    }
}
