using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GmTools.Server.Audit;

/// <summary>
/// The hash chain: each record's hash covers the previous hash and every field of the record, so an edit,
/// a deletion or an insertion out of band breaks the chain at that record.
/// </summary>
public static class AuditChain
{
    public static readonly string GenesisHash = new('0', 64);

    public static string ComputeHash(string prevHash, AuditRecord r)
    {
        // Unit separators cannot appear in any field we accept, so fields cannot bleed into each other.
        var canonical = string.Join('\u001f',
            prevHash,
            r.Sequence.ToString(CultureInfo.InvariantCulture),
            r.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
            r.Actor, r.ActorRole, r.Action, r.TargetType, r.TargetId,
            r.PlayerId ?? "", r.GameServerId ?? "",
            r.Reason, r.TicketRef, r.RequestId, r.Outcome, r.Change);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>PostgreSQL keeps microseconds; hash what will be read back.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);
}
