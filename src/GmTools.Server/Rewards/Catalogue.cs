using System.Text.RegularExpressions;
using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

public static partial class CatalogueRules
{
    /// <summary>
    /// Ten million in major units for one unit of anything: far above any real item, and low enough that a
    /// grant's sums (count x unit value x lines x players) are bounded by the grant limits, not by overflow.
    /// </summary>
    public const long MaxUnitValue = 1_000_000_000;

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex ItemIdShape();

    public static bool IsValidItemId(string? id) => id is { Length: > 0 and <= RewardLimits.ItemId } && ItemIdShape().IsMatch(id);
}

/// <summary>
/// The admin-kept list of what may be granted and what each unit is worth. It is one list for every game server
/// (an item id means the same thing everywhere, and unit values drive the grant limits on every server), so only an
/// admin whose scope covers every server may change it (docs/security.md, "The catalogue").
/// </summary>
public sealed class Catalogue(GmToolsDbContext db, AuditWriter audit, RequestContext request, TimeProvider time)
{
    public async Task<CatalogueItem> UpsertAsync(CatalogueItem incoming, string reason, CancellationToken ct)
    {
        request.Caller.EnsureCoversEveryServer("changing the catalogue (one list for every game server)");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var item = await db.LockAsync<CatalogueItem>(incoming.ItemId, ct);
        var before = item is null ? null : new { item.Name, item.Kind, item.UnitValue, item.Active };
        if (item is null)
        {
            item = new CatalogueItem { ItemId = incoming.ItemId };
            db.Add(item);
        }
        item.Name = incoming.Name;
        item.Kind = incoming.Kind;
        item.UnitValue = incoming.UnitValue;
        item.Active = incoming.Active;
        item.UpdatedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry("catalogue.upsert", "catalogue_item", item.ItemId,
            new { before, after = new { item.Name, item.Kind, item.UnitValue, item.Active } }, Reason: reason), ct);
        await tx.CommitAsync(ct);
        return item;
    }

    public Task<List<CatalogueItem>> ListAsync(bool includeInactive, CancellationToken ct) =>
        db.Set<CatalogueItem>().AsNoTracking().Where(i => includeInactive || i.Active).OrderBy(i => i.ItemId).ToListAsync(ct);
}
