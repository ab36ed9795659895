using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;

namespace GmTools.Server.GameLink;

/// <summary>
/// Watches every SaveChanges for new <see cref="OutboxCommand"/> rows, so no caller of <see cref="CommandOutbox"/>
/// can forget the two things delivery depends on:
/// <list type="bullet">
/// <item>Ordering (<see cref="OutboxOrdering"/>). Before the rows are inserted, the transaction takes a per-game-server advisory lock held until it
/// ends. Command ids come from an identity column, so without it a transaction that drew id 100 could commit after
/// one that drew 101, and a game server that already applied 101 would see 100 "in the past". With it, per game
/// server, id order is commit order. (Two transactions that each enqueue to several game servers in different
/// SaveChanges calls can deadlock; PostgreSQL then aborts one, which the caller sees as a failed call.)</item>
/// <item>Notification. After the transaction commits (never before: a replica woken early would find nothing), the
/// hub is told which game servers have new commands.</item>
/// </list>
/// A SaveChanges without a transaction gets one here, committed right after it.
/// </summary>
public sealed class OutboxCommitInterceptor(GameLinkHub hub) : SaveChangesInterceptor, IDbTransactionInterceptor
{
    private readonly ConditionalWeakTable<DbTransaction, HashSet<string>> _pending = new();
    private readonly ConditionalWeakTable<DbContext, IDbContextTransaction> _owned = new();

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        var context = eventData.Context;
        if (context is null)
        {
            return result;
        }
        var gameServerIds = NewCommandTargets(context);
        if (gameServerIds.Count == 0)
        {
            return result;
        }
        if (context.Database.CurrentTransaction is null)
        {
            _owned.AddOrUpdate(context, await context.Database.BeginTransactionAsync(cancellationToken));
        }
        await OutboxOrdering.LockAsync(context, gameServerIds, cancellationToken);
        Remember(context, gameServerIds);
        return result;
    }

    private void Remember(DbContext context, SortedSet<string> gameServerIds)
    {
        var transaction = context.Database.CurrentTransaction!.GetDbTransaction();
        lock (_pending)
        {
            _pending.GetOrCreateValue(transaction).UnionWith(gameServerIds);
        }
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        var context = eventData.Context;
        if (context is null)
        {
            return result;
        }
        var gameServerIds = NewCommandTargets(context);
        if (gameServerIds.Count == 0)
        {
            return result;
        }
        if (context.Database.CurrentTransaction is null)
        {
            _owned.AddOrUpdate(context, context.Database.BeginTransaction());
        }
        OutboxOrdering.Lock(context, gameServerIds);
        Remember(context, gameServerIds);
        return result;
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context && _owned.TryGetValue(context, out var own))
        {
            _owned.Remove(context);
            using (own)
            {
                own.Commit();
            }
        }
        return result;
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => DropOwnedAsync(eventData.Context).GetAwaiter().GetResult();

    public override void SaveChangesCanceled(DbContextEventData eventData) => DropOwnedAsync(eventData.Context).GetAwaiter().GetResult();

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && _owned.TryGetValue(context, out var own))
        {
            _owned.Remove(context);
            await using (own)
            {
                await own.CommitAsync(cancellationToken);
            }
        }
        return result;
    }

    public override async Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default) => await DropOwnedAsync(eventData.Context);

    public override async Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default) => await DropOwnedAsync(eventData.Context);

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(transaction);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Forget(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(transaction);
        return Task.CompletedTask;
    }

    private void Committed(DbTransaction transaction)
    {
        HashSet<string>? ids;
        lock (_pending)
        {
            if (!_pending.TryGetValue(transaction, out ids))
            {
                return;
            }
            _pending.Remove(transaction);
        }
        hub.CommandsCommitted(ids);
    }

    private void Forget(DbTransaction transaction)
    {
        lock (_pending)
        {
            _pending.Remove(transaction);
        }
    }

    private async Task DropOwnedAsync(DbContext? context)
    {
        if (context is not null && _owned.TryGetValue(context, out var own))
        {
            _owned.Remove(context);
            await using (own)
            {
                await own.RollbackAsync();
            }
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
