using GmTools.Server.Players;

namespace GmTools.Server.VipCare;

/// <summary>
/// The profile sync's hook: players whose recharge total moved get their tier recomputed at once (and a welcome
/// visit when they reach one), in its own scope and transaction after the sync committed. Whatever this misses,
/// the planning run's reconcile catches.
/// </summary>
public sealed class VipRechargeWatch(IServiceScopeFactory scopes) : IRechargeWatcher
{
    public async Task RechargeChangedAsync(IReadOnlyList<RechargeChange> changes, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<VipTiers>().ApplyAsync([.. changes.Select(c => c.PlayerId)], TierChangeSources.Sync, ct);
    }
}
