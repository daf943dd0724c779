using System.Collections.Concurrent;
using System.Globalization;
using Dispatch.Server.Storage;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace Dispatch.Server.Incidents;

/// <summary>
/// Hands out the daily sequence behind incident numbers: one PostgreSQL sequence per local day, so numbers stay unique
/// however many intakes arrive at once and on however many nodes. A sequence, not a counter row: bumping one row made
/// every intake wait for the previous one's commit (a row lock held through a WAL flush), which capped intake at a few
/// hundred a second (docs/benchmarks.md, issue 15); <c>nextval</c> takes no lock and needs no flush of its own. A number
/// used by a committed incident is durable (the commit flushes the WAL past the sequence's advance); one taken by an
/// intake that did not commit is simply skipped, as before. Intakes that ask at the same time draw their numbers in one
/// round trip (<see cref="SharedRoundTrip{TRequest,TAnswer}"/>).
/// </summary>
public sealed class IncidentNumbers
{
    readonly NpgsqlDataSource db;
    readonly ILogger<IncidentNumbers> log;
    readonly SharedRoundTrip<DateOnly, string> _draws;

    public IncidentNumbers(NpgsqlDataSource db, ILogger<IncidentNumbers> log)
    {
        (this.db, this.log) = (db, log);
        _draws = new(Draw);
    }

    /// <summary>The counters of the days numbered before the sequences (a day's sequence starts after its count).</summary>
    public const string TableName = "dispatch.incident_numbers";

    /// <summary>How many past days keep their sequence; an older day's count goes back into its row when its sequence is dropped.</summary>
    const int DaysKept = 31;

    readonly ConcurrentDictionary<DateOnly, string> _sequences = new();

    /// <summary>The table, created and migrated by Marten with the rest of the schema.</summary>
    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn("day", "date").AsPrimaryKey();
        table.AddColumn("last", "bigint").NotNull();
        return table;
    }

    static string SequenceOf(DateOnly day) => "dispatch." + SequenceName(day);

    static string SequenceName(DateOnly day) => "incident_no_" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The next number of the local day (its intake may not commit: then the number is skipped).</summary>
    public Task<string> Next(DateOnly localDay, CancellationToken ct) => _draws.Ask(localDay, ct);

    /// <summary>Numbers for the intakes asking now: one <c>nextval</c> per intake, drawn in one statement per day asked.</summary>
    async Task<IReadOnlyList<string>> Draw(IReadOnlyList<DateOnly> days)
    {
        var numbers = new string[days.Count];
        foreach (var day in days.Distinct())
        {
            var asking = Enumerable.Range(0, days.Count).Where(i => days[i] == day).ToList();
            var drawn = await Draw(day, asking.Count);
            for (var i = 0; i < asking.Count; i++) numbers[asking[i]] = Dispatch.Domain.Incidents.IncidentNumber.Format(day, drawn[i]);
        }
        return numbers;
    }

    async Task<List<long>> Draw(DateOnly day, int count)
    {
        for (var attempt = 0; ; attempt++)
        {
            var sequence = _sequences.TryGetValue(day, out var known) ? known : await Ensure(day, CancellationToken.None);
            try
            {
                // nextval is volatile: evaluated once per row, so count distinct numbers.
                await using var command = db.CreateCommand($"select nextval('{sequence}') from generate_series(1, $1)");
                command.Parameters.Add(new() { Value = count });
                var drawn = new List<long>(count);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) drawn.Add(reader.GetInt64(0));
                drawn.Sort();
                return drawn;
            }
            // Another node retired that day's sequence (its count is back in the day's row): make it again.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable && attempt == 0)
            {
                _sequences.TryRemove(day, out _);
            }
        }
    }

    /// <summary>
    /// Creates the day's sequence if no node has yet, starting after what the day's counter row says (a database numbered
    /// by an older version keeps counting on), and drops the sequences of days long gone.
    /// </summary>
    async Task<string> Ensure(DateOnly day, CancellationToken ct)
    {
        var name = SequenceOf(day);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // One creator at a time across nodes; the others find it made.
        await using (var lockIt = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('dispatch.incident_numbers'))", connection, tx))
            await lockIt.ExecuteNonQueryAsync(ct);
        await using (var exists = new NpgsqlCommand("select to_regclass($1) is not null", connection, tx) { Parameters = { new() { Value = name } } })
        {
            if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
            {
                await using var counted = new NpgsqlCommand($"select coalesce((select last from {TableName} where day = $1), 0)", connection, tx)
                    { Parameters = { new() { Value = day } } };
                var last = (long)(await counted.ExecuteScalarAsync(ct))!;
                await using var create = new NpgsqlCommand($"create sequence {name} start with {last + 1}", connection, tx);
                await create.ExecuteNonQueryAsync(ct);
                log.LogInformation("Incident numbers for {Day} start at {First}", day, last + 1);
            }
        }
        await using (var old = new NpgsqlCommand(
            "select format('%I.%I', schemaname, sequencename), to_date(right(sequencename, 8), 'YYYYMMDD'), coalesce(last_value, start_value - 1) " +
            "from pg_sequences where schemaname = 'dispatch' and sequencename like 'incident_no_%' and sequencename < $1", connection, tx) { Parameters = { new() { Value = SequenceName(day.AddDays(-DaysKept)) } } })
        {
            var stale = new List<(string Sequence, DateOnly Day, long Last)>();
            await using (var reader = await old.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) stale.Add((reader.GetString(0), reader.GetFieldValue<DateOnly>(1), reader.GetInt64(2)));
            foreach (var (sequence, staleDay, last) in stale)
            {
                // The day's count goes back into its row first, so a sequence made again for that day goes on from there.
                await using var keep = new NpgsqlCommand(
                    $"insert into {TableName} (day, last) values ($1, $2) on conflict (day) do update set last = greatest({TableName}.last, excluded.last)",
                    connection, tx) { Parameters = { new() { Value = staleDay }, new() { Value = last } } };
                await keep.ExecuteNonQueryAsync(ct);
                await using var drop = new NpgsqlCommand($"drop sequence if exists {sequence}", connection, tx);
                await drop.ExecuteNonQueryAsync(ct);
                _sequences.TryRemove(staleDay, out _);
            }
        }
        await tx.CommitAsync(ct);
        _sequences[day] = name;
        return name;
    }
}
