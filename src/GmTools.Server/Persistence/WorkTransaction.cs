using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace GmTools.Server.Persistence;

/// <summary>
/// The transaction a desk writes in: its own, or — when its caller already opened one on the same DbContext —
/// a share in the caller's. An idempotent call (<see cref="Infrastructure.Idempotency.IdempotentCalls"/>) opens
/// the transaction, claims its key, runs the desk and stores the response: the change, its audit record, its
/// outbox commands and the stored response commit together because the desk joins instead of beginning anew.
/// Only the owner commits or rolls back; a share's Commit and Rollback do nothing.
/// </summary>
public sealed class WorkTransaction : IAsyncDisposable
{
    private readonly DbContext _db;
    private readonly IDbContextTransaction? _owned;

    private WorkTransaction(DbContext db, IDbContextTransaction? owned)
    {
        _db = db;
        _owned = owned;
    }

    /// <summary>False when this is a share in a transaction someone else opened and will commit.</summary>
    public bool Owned => _owned is not null;

    /// <summary>For raw Npgsql commands that must run inside the same transaction.</summary>
    public DbTransaction DbTransaction => (_owned ?? _db.Database.CurrentTransaction
        ?? throw new InvalidOperationException("the transaction this work joined has ended")).GetDbTransaction();

    /// <summary>
    /// No savepoints around each SaveChanges: in PostgreSQL a failed statement aborts the whole transaction, and no
    /// desk goes on in a transaction after a failed SaveChanges (the work is retried from the start instead), so
    /// EF's SAVEPOINT / RELEASE pair would only add two round trips per SaveChanges — four of a mute's fifteen
    /// (docs/benchmarks.md, "Write path").
    /// </summary>
    public static async Task<WorkTransaction> BeginAsync(DbContext db, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return new WorkTransaction(db, null);
        }
        var owned = new WorkTransaction(db, await db.Database.BeginTransactionAsync(ct));
        db.Database.AutoSavepointsEnabled = false;
        return owned;
    }

    public Task CommitAsync(CancellationToken ct) => _owned?.CommitAsync(ct) ?? Task.CompletedTask;

    public Task RollbackAsync(CancellationToken ct) => _owned?.RollbackAsync(ct) ?? Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        if (_owned is null)
        {
            return ValueTask.CompletedTask;
        }
        _db.Database.AutoSavepointsEnabled = true;
        return _owned.DisposeAsync();
    }
}

public static class WorkTransactions
{
    /// <summary>The commit hooks this context was built with (every GmToolsDbContext has them).</summary>
    private static TransactionCommitHooks HooksOf(DbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<TransactionCommitHooks>().FirstOrDefault()
        ?? throw new InvalidOperationException("this DbContext was built without TransactionCommitHooks");

    /// <summary>Begins a transaction, or joins the one already open on this context (see <see cref="WorkTransaction"/>).</summary>
    public static Task<WorkTransaction> BeginWorkAsync(this DbContext db, CancellationToken ct) => WorkTransaction.BeginAsync(db, ct);

    /// <summary>
    /// Runs <paramref name="action"/> once the context's current transaction has committed (at once when none is
    /// open), whoever owns it. For effects outside PostgreSQL that must not run before the change is visible —
    /// a cache invalidated before the commit is refilled from the old rows. Never runs when the transaction rolls back.
    /// </summary>
    public static async Task AfterCommitAsync(this DbContext db, Func<Task> action)
    {
        if (db.Database.CurrentTransaction is { } tx)
        {
            HooksOf(db).AfterCommitAsync(tx.GetDbTransaction(), action);
            return;
        }
        await action();
    }
}
