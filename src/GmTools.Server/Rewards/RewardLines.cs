using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure.Grpc;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Rewards;

/// <summary>One reward line as stored (JSON in grants/campaigns) and priced.</summary>
public sealed record Line(string ItemId, long Count);

public static class RewardLines
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string ToJson(IEnumerable<Line> lines) => JsonSerializer.Serialize(lines, Json);

    public static List<Line> FromJson(string json) => JsonSerializer.Deserialize<List<Line>>(json, Json) ?? [];

    public static IEnumerable<RewardLine> ToContract(IEnumerable<Line> lines) => lines.Select(l => new RewardLine { ItemId = l.ItemId, Count = l.Count });

    /// <summary>
    /// Prices the lines against active catalogue items: an unknown item is NOT_FOUND, an inactive one
    /// FAILED_PRECONDITION. Returns the value of one recipient's share.
    /// </summary>
    public static async Task<long> PriceAsync(DbContext db, IReadOnlyList<Line> lines, CancellationToken ct)
    {
        var ids = lines.Select(l => l.ItemId).ToList();
        var items = await db.Set<CatalogueItem>().AsNoTracking().Where(i => ids.Contains(i.ItemId)).ToDictionaryAsync(i => i.ItemId, StringComparer.Ordinal, ct);
        var unknown = ids.Where(id => !items.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            throw GrpcErrors.NotFound($"unknown catalogue item(s): {string.Join(", ", unknown)}");
        }
        var inactive = ids.Where(id => !items[id].Active).ToList();
        if (inactive.Count > 0)
        {
            throw GrpcErrors.FailedPrecondition($"catalogue item(s) not active: {string.Join(", ", inactive)}");
        }
        try
        {
            return lines.Aggregate(0L, (sum, l) => checked(sum + checked(l.Count * items[l.ItemId].UnitValue)));
        }
        catch (OverflowException)
        {
            throw GrpcErrors.InvalidArgument("lines", "the total value is too large");
        }
    }

    public static long Times(long valuePerPlayer, long players)
    {
        try
        {
            return checked(valuePerPlayer * players);
        }
        catch (OverflowException)
        {
            throw GrpcErrors.InvalidArgument("player_ids", "the total value is too large");
        }
    }
}

/// <summary>
/// The fingerprint of a grant request that decides "retry" versus "conflicting reuse" of an idempotency key.
/// Canonical form: lines sorted by item id, players sorted, then the texts, each field length-prefixed so
/// no two different requests can produce the same bytes. Order of lines or players is not content.
/// </summary>
public static class GrantRequestHash
{
    public static byte[] Compute(GrantOrder r)
    {
        var sb = new StringBuilder();
        void Put(string s) => sb.Append(s.Length).Append(':').Append(s).Append('|');
        foreach (var line in r.Lines.OrderBy(l => l.ItemId, StringComparer.Ordinal))
        {
            Put(line.ItemId);
            Put(line.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        Put("players");
        foreach (var p in r.PlayerIds.Order(StringComparer.Ordinal))
        {
            Put(p);
        }
        Put(r.Reason);
        Put(r.TicketRef);
        Put(r.MailTitle);
        Put(r.MailBody);
        if (r.CaseId is { } caseId)
        {
            // Only when given: the hashes of grants made before case ids existed stay the same.
            Put("case");
            Put(caseId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
