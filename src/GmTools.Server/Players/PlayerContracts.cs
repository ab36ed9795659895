using GmTools.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.Players;

/// <summary>Entity ↔ contract mapping of the players capability.</summary>
public static class PlayerContracts
{
    public static PlayerDetails ToContract(Player p, bool withContact) => new()
    {
        PlayerId = p.PlayerId,
        Account = p.Account,
        GameServerId = p.GameServerId,
        CharacterName = p.CharacterName,
        Level = p.Level,
        VipPoints = p.VipPoints,
        RechargeTotal = p.RechargeTotal,
        LastLoginAt = p.LastLoginAt is { } t ? Timestamp.FromDateTimeOffset(t) : null,
        Online = p.Online,
        Version = p.Version,
        SyncedAt = Timestamp.FromDateTimeOffset(p.SyncedAt),
        Contact = withContact ? p.Contact : "",
        ContactIncluded = withContact,
    };

    public static PlayerNote ToContract(PlayerNoteEntity n) => new()
    {
        NoteId = n.NoteId,
        PlayerId = n.PlayerId,
        Kind = KindOf(n.Kind),
        Text = n.Text,
        Author = n.Author,
        CreatedAt = Timestamp.FromDateTimeOffset(n.CreatedAt),
    };

    public static string? StoredKind(PlayerNoteKind kind) => kind switch
    {
        PlayerNoteKind.ContactPreference => "contact_preference",
        PlayerNoteKind.ComplaintSummary => "complaint_summary",
        PlayerNoteKind.Other => "other",
        _ => null,
    };

    private static PlayerNoteKind KindOf(string stored) => stored switch
    {
        "contact_preference" => PlayerNoteKind.ContactPreference,
        "complaint_summary" => PlayerNoteKind.ComplaintSummary,
        "other" => PlayerNoteKind.Other,
        _ => PlayerNoteKind.Unspecified,
    };
}
