
namespace GmTools.Server.Players;

/// <summary>String and number limits of a synced profile; the columns are sized to match.</summary>
public static class PlayerLimits
{
    public const int PlayerId = 64;
    public const int Account = 128;
    public const int CharacterName = 64;
    public const int Contact = 256;
    public const int MaxLevel = 100_000;

    /// <summary>Stored note kinds ("contact_preference", ...).</summary>
    public const int NoteKind = 32;
    public const int NoteText = 2000;
    public const int NoteTicketRef = 100;
    public const int TransferReason = 500;
}
