using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Players;

namespace GmTools.Server.Cases;

/// <summary>Shape checks of case requests and the proto → spec conversions; all faults reported at once.</summary>
internal static class CaseValidation
{
    public static Violations CaseId(this Violations v, long caseId, string field = "case_id") =>
        caseId > 0 ? v : v.Add(field, "is required");

    public static Violations AdjustmentId(this Violations v, long adjustmentId) =>
        adjustmentId > 0 ? v : v.Add("adjustment_id", "is required");

    /// <summary>
    /// The record's shapes, then every field the kind requires that is empty, each by its name
    /// (record.order_reference). Times must be real and not in the future.
    /// </summary>
    public static Violations Record(this Violations v, string field, CaseRecord? r, IReadOnlyList<string>? required, CaseOptions o, DateTimeOffset now)
    {
        r ??= new CaseRecord();
        v.MaxLength($"{field}.account", r.Account, PlayerLimits.Account)
            .CheckGameServerId($"{field}.game_server_id", r.GameServerId, required: false)
            .MaxLength($"{field}.character_name", r.CharacterName, PlayerLimits.CharacterName)
            .MaxLength($"{field}.contact", r.Contact, PlayerLimits.Contact)
            .MaxLength($"{field}.item_name", r.ItemName, CaseLimits.RecordField)
            .MaxLength($"{field}.location", r.Location, CaseLimits.Location)
            .MaxLength($"{field}.payment_channel", r.PaymentChannel, CaseLimits.RecordField)
            .MaxLength($"{field}.order_reference", r.OrderReference, CaseLimits.RecordField)
            .MaxLength($"{field}.game_area", r.GameArea, CaseLimits.RecordField)
            .MaxLength($"{field}.client_version", r.ClientVersion, CaseLimits.RecordField);
        // A time that is not a real time is named once, for what it is, not again as missing.
        var unreal = new HashSet<string>(StringComparer.Ordinal);
        if (!NotFuture(v, $"{field}.event_time", r.EventTime, now))
        {
            unreal.Add(CaseRecordFields.EventTime);
        }
        if (!NotFuture(v, $"{field}.payment_time", r.PaymentTime, now))
        {
            unreal.Add(CaseRecordFields.PaymentTime);
        }
        if (r.Amount < 0)
        {
            v.Add($"{field}.amount", "must not be negative");
        }
        else if (r.Amount > o.MaxAmount)
        {
            v.Add($"{field}.amount", $"must be at most {o.MaxAmount} (in the currency's smallest unit)");
        }
        if (r.Currency.Length > 0 && (r.Currency.Length != CaseLimits.Currency || !r.Currency.All(char.IsAsciiLetterUpper)))
        {
            v.Add($"{field}.currency", "must be an ISO 4217 code such as CNY");
        }
        if (required is not null)
        {
            foreach (var missing in CaseRecordFields.Missing(ToSpec(r), required).Where(f => !unreal.Contains(f)))
            {
                v.Add($"{field}.{missing}", "is required for this kind of case");
            }
        }
        return v;
    }

    public static Violations Attachments(this Violations v, string field, IReadOnlyList<string> refs)
    {
        if (refs.Count > CaseLimits.Attachments)
        {
            return v.Add(field, $"must hold at most {CaseLimits.Attachments} references");
        }
        for (var i = 0; i < refs.Count; i++)
        {
            v.RequiredMax($"{field}[{i}]", refs[i], CaseLimits.AttachmentRef);
        }
        return v;
    }

    /// <summary>
    /// A link's object: a decimal id for sanctions, grants, campaigns and visits; a bounded id for chat lines;
    /// a chat line's game server, and only a chat line's.
    /// </summary>
    public static Violations LinkObject(this Violations v, string? kind, string objectId, string gameServerId)
    {
        v.RequiredMax("object_id", objectId, CaseLimits.LinkObjectId);
        if (kind is CaseLinkKinds.Sanction or CaseLinkKinds.Grant or CaseLinkKinds.Campaign or CaseLinkKinds.Visit && objectId.Length > 0
            && !(long.TryParse(objectId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0))
        {
            v.Add("object_id", $"must be a {kind} id (a positive decimal number)");
        }
        if (kind == CaseLinkKinds.ChatLine)
        {
            v.CheckGameServerId("game_server_id", gameServerId, required: true);
        }
        else if (gameServerId.Length > 0)
        {
            v.Add("game_server_id", "is given for chat lines only");
        }
        return v;
    }

    public static Violations Actor(this Violations v, string field, string value) => v.RequiredMax(field, value, CommonLimits.ActorId);

    public static CaseRecordSpec ToSpec(CaseRecord? r)
    {
        r ??= new CaseRecord();
        return new CaseRecordSpec(r.Account, r.GameServerId, r.CharacterName, Valid(r.EventTime), r.Contact, r.ItemName, r.Location,
            r.PaymentChannel, r.OrderReference, r.Amount, r.Currency, Valid(r.PaymentTime), r.GameArea, r.ClientVersion);
    }

    /// <summary>False when the timestamp is not a real time at all (out of range, bad nanos).</summary>
    private static bool NotFuture(Violations v, string field, Google.Protobuf.WellKnownTypes.Timestamp? t, DateTimeOffset now)
    {
        if (new Violations().Timestamp(field, t).Any)
        {
            v.Timestamp(field, t);
            return false;
        }
        if (t is not null && t.ToDateTimeOffset() > now)
        {
            v.Add(field, "must not be in the future");
        }
        return true;
    }

    private static DateTimeOffset? Valid(Google.Protobuf.WellKnownTypes.Timestamp? t) =>
        t is not null && !new Violations().Timestamp("t", t).Any ? t.ToDateTimeOffset() : null;
}
