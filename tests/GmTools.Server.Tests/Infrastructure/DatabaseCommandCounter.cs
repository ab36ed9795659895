using System.Diagnostics;
using Npgsql;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// Counts the commands Npgsql sends to one database from this process (every data source, EF and raw alike), from
/// Npgsql's own tracing: one activity per command or batch, tagged with the database name. Batches are counted by
/// their statements, as PostgreSQL would count them.
/// </summary>
public sealed class DatabaseCommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly string _database;
    private readonly string? _touching;
    private readonly List<string> _texts = [];
    private long _roundTrips;
    private long _statements;

    /// <param name="touching">Count only commands whose text names this table (or any fragment): a server's own
    /// background work (pollers, the outbox, the audit chainer) shares the database and would race an exact count.</param>
    public DatabaseCommandCounter(string connectionString, string? touching = null)
    {
        _database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        _touching = touching;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    public long Statements => Interlocked.Read(ref _statements);

    /// <summary>The statements counted so far, for a failure message.</summary>
    public IReadOnlyList<string> Texts()
    {
        lock (_texts)
        {
            return [.. _texts];
        }
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _roundTrips, 0);
        Interlocked.Exchange(ref _statements, 0);
        lock (_texts)
        {
            _texts.Clear();
        }
    }

    private void Stopped(Activity activity)
    {
        if (activity.GetTagItem("db.namespace") as string != _database)
        {
            return;
        }
        var text = activity.GetTagItem("db.query.text") as string ?? activity.DisplayName;
        if (_touching is not null && !text.Contains(_touching, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var statements = Math.Max(1, text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Length);
        Interlocked.Increment(ref _roundTrips);
        Interlocked.Add(ref _statements, statements);
        lock (_texts)
        {
            _texts.Add(text.Length > 160 ? text[..160] : text);
        }
    }

    public void Dispose() => _listener.Dispose();
}
