using System.Runtime.CompilerServices;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace GmTools.Server.GameLink;

/// <summary>
/// Watches every SaveChanges for new <see cref="OutboxCommand"/> rows and, once their transaction has committed
/// (never before: a replica woken early would find nothing), tells the hub which game servers have new commands.
/// <para>Ordering needs nothing here: command ids come from the inserting transaction's write order
/// (Persistence/Sql/write_order.sql), and readers never move past the write-order horizon, so no lock is taken and
/// concurrent writers to one game server never wait for each other.</para>
/// </summary>
public sealed class OutboxCommitInterceptor(GameLinkHub hub, TransactionCommitHooks hooks) : SaveChangesInterceptor
{
    // Commands of a SaveChanges that runs without a transaction: committed when SaveChanges returns.
    private readonly ConditionalWeakTable<DbContext, SortedSet<string>> _autocommit = new();
    // Game servers of an open transaction, so one notification covers all its SaveChanges calls.
    private readonly ConditionalWeakTable<System.Data.Common.DbTransaction, SortedSet<string>> _pending = new();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Track(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Track(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        NotifyAutocommitted(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        NotifyAutocommitted(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => ForgetAutocommit(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        ForgetAutocommit(eventData.Context);
        return Task.CompletedTask;
    }

    public override void SaveChangesCanceled(DbContextEventData eventData) => ForgetAutocommit(eventData.Context);

    public override Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        ForgetAutocommit(eventData.Context);
        return Task.CompletedTask;
    }

    private void Track(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var targets = NewCommandTargets(context);
        if (targets.Count == 0)
        {
            return;
        }
        var transaction = context.Database.CurrentTransaction?.GetDbTransaction();
        if (transaction is null)
        {
            lock (_autocommit)
            {
                _autocommit.AddOrUpdate(context, targets);
            }
            return;
        }
        lock (_pending)
        {
            if (_pending.TryGetValue(transaction, out var known))
            {
                known.UnionWith(targets);
                return;
            }
            _pending.Add(transaction, targets);
        }
        hooks.AfterCommit(transaction, () =>
        {
            lock (_pending)
            {
                _pending.Remove(transaction);
            }
            hub.CommandsCommitted(targets);
        });
    }

    private void NotifyAutocommitted(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        SortedSet<string>? targets;
        lock (_autocommit)
        {
            if (!_autocommit.TryGetValue(context, out targets))
            {
                return;
            }
            _autocommit.Remove(context);
        }
        hub.CommandsCommitted(targets);
    }

    private void ForgetAutocommit(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        lock (_autocommit)
        {
            _autocommit.Remove(context);
        }
    }

    private static SortedSet<string> NewCommandTargets(DbContext context)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in context.ChangeTracker.Entries<OutboxCommand>())
        {
            if (entry.State == EntityState.Added)
            {
                ids.Add(entry.Entity.GameServerId);
            }
        }
        return ids;
    }
}
