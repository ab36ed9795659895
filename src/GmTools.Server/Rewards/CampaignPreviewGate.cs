using Microsoft.Extensions.Options;

namespace GmTools.Server.Rewards;

/// <summary>
/// At most <see cref="CampaignOptions.MaxConcurrentPreviews"/> campaign previews run at once in this process. A
/// preview counts every player a campaign reaches (millions) and needs only a read permission, so a caller who asks
/// for more than the gate holds is told RESOURCE_EXHAUSTED at once instead of queueing work on PostgreSQL.
/// </summary>
public sealed class CampaignPreviewGate(IOptions<RewardOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.Campaigns.MaxConcurrentPreviews);

    /// <summary>A slot to release by disposing, or null when every slot is taken.</summary>
    public IDisposable? TryEnter() => _slots.Wait(0) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
