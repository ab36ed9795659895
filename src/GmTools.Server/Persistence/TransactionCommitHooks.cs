using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GmTools.Server.Persistence;

/// <summary>
/// Work that may only run once a transaction has committed: telling replicas that commands are waiting, waking the
/// audit chainer, invalidating a cache (<see cref="AfterCommitAsync"/>: awaited, so the caller's CommitAsync returns
/// after it). Registered per transaction (<see cref="AfterCommit"/>); dropped if the transaction rolls back.
/// Every <see cref="GmToolsDbContext"/> of the process gets this interceptor.
/// </summary>
public sealed class TransactionCommitHooks(ILogger<TransactionCommitHooks> logger) : DbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, List<Action>> _hooks = new();
    private readonly ConditionalWeakTable<DbTransaction, List<Func<Task>>> _asyncHooks = new();

    /// <summary>
    /// Raised after any transaction of this process committed, hooks or not: readers waiting at the write-order
    /// horizon (Persistence/Sql/write_order.sql) may move on.
    /// </summary>
    public event Action? AnyCommitted;

    public void AfterCommit(DbTransaction transaction, Action action)
    {
        lock (_hooks)
        {
            _hooks.GetOrCreateValue(transaction).Add(action);
        }
    }

    /// <summary>
    /// An awaited follow-up of the commit: the desk's CommitAsync returns once it ran. A failure is logged, never
    /// thrown: the change is committed, and the caller must not be told otherwise.
    /// </summary>
    public void AfterCommitAsync(DbTransaction transaction, Func<Task> action)
    {
        lock (_hooks)
        {
            _asyncHooks.GetOrCreateValue(transaction).Add(action);
        }
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData)
    {
        var pending = TakeAsync(transaction);
        Committed(transaction);
        foreach (var action in pending)
        {
            RunLogged(action).GetAwaiter().GetResult();
        }
    }

    public override async Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var pending = TakeAsync(transaction);
        Committed(transaction);
        foreach (var action in pending)
        {
            await RunLogged(action);
        }
    }

    // Npgsql reuses a connection's transaction object: hooks left by one that ended without commit or rollback (disposed
    // after a failure) must not fire with the next transaction on that connection.
    public override DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        Forget(result);
        return result;
    }

    public override ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result, CancellationToken cancellationToken = default)
    {
        Forget(result);
        return ValueTask.FromResult(result);
    }

    private List<Func<Task>> TakeAsync(DbTransaction transaction)
    {
        lock (_hooks)
        {
            if (!_asyncHooks.TryGetValue(transaction, out var actions))
            {
                return [];
            }
            _asyncHooks.Remove(transaction);
            return actions;
        }
    }

    private async Task RunLogged(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "An after-commit action failed");
        }
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(transaction);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(transaction);
        return Task.CompletedTask;
    }

    public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Forget(transaction);

    public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(transaction);
        return Task.CompletedTask;
    }

    /// <summary>For raw Npgsql transactions that end outside EF: run their hooks (or drop them) by hand.</summary>
    public void Ended(DbTransaction transaction, bool committed)
    {
        if (committed)
        {
            Committed(transaction);
        }
        else
        {
            Forget(transaction);
        }
    }

    private void Committed(DbTransaction transaction)
    {
        List<Action>? actions;
        lock (_hooks)
        {
            if (_hooks.TryGetValue(transaction, out actions))
            {
                _hooks.Remove(transaction);
            }
        }
        if (actions is not null)
        {
            foreach (var action in actions)
            {
                action();
            }
        }
        AnyCommitted?.Invoke();
    }

    private void Forget(DbTransaction transaction)
    {
        lock (_hooks)
        {
            _hooks.Remove(transaction);
            _asyncHooks.Remove(transaction);
        }
    }
}
