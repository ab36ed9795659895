using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GmTools.Server.Persistence;

/// <summary>
/// Work that may only run once a transaction has committed: telling replicas that commands are waiting, waking the
/// audit chainer. Registered per transaction (<see cref="AfterCommit"/>); dropped if the transaction rolls back.
/// Every <see cref="GmToolsDbContext"/> of the process gets this interceptor.
/// </summary>
public sealed class TransactionCommitHooks : DbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, List<Action>> _hooks = new();

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

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(transaction);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(transaction);
        return Task.CompletedTask;
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
        }
    }
}
