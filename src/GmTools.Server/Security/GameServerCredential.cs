using System.Security.Cryptography;
using System.Text;

namespace GmTools.Server.Security;

/// <summary>
/// A game server's credential is "id.secret" with 32 random bytes of secret. Only the SHA-256 of the
/// secret is stored: the secret is high-entropy, so a slow password hash would buy nothing and would cost
/// every login/chat gate call.
/// </summary>
public static class GameServerCredential
{
    public const string Scheme = "GameServer";

    /// <summary>Hex of 32 bytes; a longer "secret" is refused before it is hashed.</summary>
    public const int MaxSecretLength = 64;

    public static (string Credential, byte[] SecretHash) Create(string gameServerId)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return ($"{gameServerId}.{secret}", Hash(secret));
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Splits "id.secret"; the id may not contain '.', the secret is everything after the first '.'.</summary>
    public static bool TryParse(string credential, out string gameServerId, out string secret)
    {
        var dot = credential.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || dot == credential.Length - 1)
        {
            gameServerId = secret = "";
            return false;
        }
        gameServerId = credential[..dot];
        secret = credential[(dot + 1)..];
        return true;
    }

    public static bool Matches(string secret, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);
}
