using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GmTools.Server.Audit;

/// <summary>
/// What is hashed and signed. A record carries a MAC of its content made when it was written (so an edit or a
/// forgery is caught even before the record is linked); once linked, its hash covers the previous hash, its place,
/// its id, its MAC and its content, so an edit, a deletion or an insertion breaks the chain at that record. Signed
/// checkpoints and the signed head anchor the chain, so it cannot be recomputed without the key.
/// </summary>
public static class AuditChain
{
    public static readonly string GenesisHash = new('0', 64);

    // Unit separators cannot appear in any field we accept, so fields cannot bleed into each other.
    private const char Sep = '\u001f';

    /// <summary>The content as written (the id is not known to the writer: the database draws it).</summary>
    public static string Content(AuditRecord r) => string.Join(Sep,
        r.RecordKey.ToString("N"),
        r.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
        r.Actor, r.ActorRole, r.Action, r.TargetType, r.TargetId,
        r.PlayerId ?? "", r.GameServerId ?? "",
        r.Reason, r.TicketRef, r.RequestId, r.Outcome, r.Change);

    public static string RecordMac(AuditKey key, AuditRecord r) => key.Sign("record" + Sep + Content(r));

    public static bool RecordMacHolds(AuditKey key, AuditRecord r) => key.Verifies("record" + Sep + Content(r), r.Mac);

    /// <summary>The link of a record written by <see cref="AuditWriter"/> (with a MAC).</summary>
    public static string ComputeHash(string prevHash, long sequence, AuditRecord r) => Sha256(string.Join(Sep,
        prevHash,
        sequence.ToString(CultureInfo.InvariantCulture),
        r.Id.ToString(CultureInfo.InvariantCulture),
        r.Mac ?? "",
        Content(r)));

    /// <summary>The link of a record from before the chainer, which was hashed by its writer (no id, no MAC).</summary>
    public static string LegacyHash(string prevHash, AuditRecord r) => Sha256(string.Join(Sep,
        prevHash,
        (r.Sequence ?? 0).ToString(CultureInfo.InvariantCulture),
        r.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
        r.Actor, r.ActorRole, r.Action, r.TargetType, r.TargetId,
        r.PlayerId ?? "", r.GameServerId ?? "",
        r.Reason, r.TicketRef, r.RequestId, r.Outcome, r.Change));

    /// <summary>Records from before the chainer have negative ids (the migration moved them below every new id).</summary>
    public static bool IsLegacy(AuditRecord r) => r.Id < 0;

    public static string Link(string prevHash, AuditRecord r) =>
        IsLegacy(r) ? LegacyHash(prevHash, r) : ComputeHash(prevHash, r.Sequence ?? 0, r);

    public static string CheckpointMac(AuditKey key, long sequence, string hash) =>
        key.Sign("checkpoint" + Sep + sequence.ToString(CultureInfo.InvariantCulture) + Sep + hash);

    public static bool CheckpointHolds(AuditKey key, AuditCheckpoint c) =>
        key.Verifies("checkpoint" + Sep + c.Sequence.ToString(CultureInfo.InvariantCulture) + Sep + c.Hash, c.Mac);

    public static bool HeadHolds(AuditKey key, AuditChainHead h) =>
        key.Verifies("head" + Sep + h.LastSequence.ToString(CultureInfo.InvariantCulture) + Sep + h.LastHash, h.Mac);

    public static string HeadMac(AuditKey key, long sequence, string hash) =>
        key.Sign("head" + Sep + sequence.ToString(CultureInfo.InvariantCulture) + Sep + hash);

    /// <summary>PostgreSQL keeps microseconds; hash what will be read back.</summary>
    public static DateTimeOffset ToStoredPrecision(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

/// <summary>The audit trail's HMAC key: <c>GmTools:Audit:SigningKey</c>, or one derived from the JWT key.</summary>
public sealed class AuditKey(byte[] key)
{
    public string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text)));

    public bool Verifies(string text, string? mac) =>
        mac is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(text)), Encoding.ASCII.GetBytes(mac));

    public static AuditKey From(string auditKey, string jwtKey) => auditKey.Length > 0
        ? new AuditKey(Encoding.UTF8.GetBytes(auditKey))
        // A key of its own for the audit trail, so a MAC can never be mistaken for a token signature.
        : new AuditKey(HMACSHA256.HashData(Encoding.UTF8.GetBytes(jwtKey), "gmtools audit chain v1"u8));
}
