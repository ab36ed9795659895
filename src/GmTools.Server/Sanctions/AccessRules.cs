namespace GmTools.Server.Sanctions;

/// <summary>A sanction as the access gate caches it: what, where (null = all servers), until when (null = permanent).</summary>
public readonly record struct ActiveSanction(bool IsBan, string? ScopeGameServerId, DateTimeOffset? EndsAt);

/// <summary>The gate's answer. "Until" is null when not blocked or blocked permanently.</summary>
public readonly record struct AccessDecision(
    bool MayLogIn, DateTimeOffset? LoginBlockedUntil, bool LoginBlockedPermanently,
    bool MayChat, DateTimeOffset? ChatBlockedUntil, bool ChatBlockedPermanently);

/// <summary>
/// Decides access from a player's cached sanctions at read time, so a sanction stops counting the moment
/// its end passes on the clock; no job has to expire it. Overlapping sanctions block until the latest ends.
/// </summary>
public static class AccessRules
{
    public static AccessDecision Decide(ActiveSanction[] sanctions, string gameServerId, DateTimeOffset now)
    {
        bool login = false, loginForever = false, chat = false, chatForever = false;
        DateTimeOffset loginUntil = default, chatUntil = default;
        foreach (var s in sanctions)
        {
            if (s.EndsAt is { } end && end <= now)
            {
                continue;
            }
            if (s.ScopeGameServerId is not null && !string.Equals(s.ScopeGameServerId, gameServerId, StringComparison.Ordinal))
            {
                continue;
            }
            if (s.IsBan)
            {
                login = true;
                Extend(ref loginUntil, ref loginForever, s.EndsAt);
            }
            // A banned player may not speak either.
            chat = true;
            Extend(ref chatUntil, ref chatForever, s.EndsAt);
        }
        return new AccessDecision(
            !login, login && !loginForever ? loginUntil : null, loginForever,
            !chat, chat && !chatForever ? chatUntil : null, chatForever);
    }

    private static void Extend(ref DateTimeOffset until, ref bool forever, DateTimeOffset? end)
    {
        if (end is null)
        {
            forever = true;
        }
        else if (end.Value > until)
        {
            until = end.Value;
        }
    }

    /// <summary>Compact Redis form: "v1" then "|b,scope,unixMs" per sanction (m/b; empty scope = all; empty end = permanent).</summary>
    public static string Encode(IReadOnlyList<ActiveSanction> sanctions)
    {
        var sb = new System.Text.StringBuilder("v1");
        foreach (var s in sanctions)
        {
            sb.Append('|').Append(s.IsBan ? 'b' : 'm').Append(',').Append(s.ScopeGameServerId).Append(',');
            if (s.EndsAt is { } end)
            {
                sb.Append(end.ToUnixTimeMilliseconds());
            }
        }
        return sb.ToString();
    }

    public static ActiveSanction[]? Decode(string? value)
    {
        if (value is null || !value.StartsWith("v1", StringComparison.Ordinal))
        {
            return null;
        }
        var parts = value.Split('|');
        var result = new ActiveSanction[parts.Length - 1];
        for (var i = 1; i < parts.Length; i++)
        {
            var f = parts[i].Split(',');
            if (f.Length != 3 || !(f[2].Length == 0 || long.TryParse(f[2], out _)))
            {
                return null;
            }
            result[i - 1] = new ActiveSanction(
                f[0] == "b",
                f[1].Length == 0 ? null : f[1],
                f[2].Length == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return result;
    }
}
