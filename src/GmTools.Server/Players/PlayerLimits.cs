namespace GmTools.Server.Players;

/// <summary>String and number limits of a synced profile; the columns are sized to match.</summary>
public static class PlayerLimits
{
    public const int PlayerId = 64;
    public const int Account = 128;
    public const int CharacterName = 64;
    public const int Contact = 256;
    public const int MaxLevel = 100_000;
}
