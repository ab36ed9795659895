using System.Globalization;

namespace GmTools.Simulator;

/// <summary>The console simulator's arguments.</summary>
public sealed record SimulatorCli(
    IReadOnlyList<string> Servers, IReadOnlyList<string> Credentials, TimeSpan AckDelay, double FailRate, TimeSpan Duration, TimeSpan ReportEvery, bool Pull, bool Quiet, string? Error)
{
    public const string CredentialsVariable = "GMTOOLS_SIM_CREDENTIALS";

    public static SimulatorCli Parse(string[] args)
    {
        var servers = new List<string>();
        var credentials = new List<string>();
        var ackDelay = TimeSpan.Zero;
        var failRate = 0.0;
        var duration = TimeSpan.Zero;
        var reportEvery = TimeSpan.FromSeconds(5);
        var pull = false;
        var quiet = false;
        var i = args.Length > 0 && args[0] == "run" ? 1 : 0;
        string? Value() => i + 1 < args.Length ? args[++i] : null;
        for (; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--server": servers.AddRange(SplitServers(Value() ?? "")); break;
                case "--credential": credentials.Add(Value() ?? ""); break;
                case "--ack-delay-ms": ackDelay = TimeSpan.FromMilliseconds(double.Parse(Value() ?? "0", CultureInfo.InvariantCulture)); break;
                case "--fail-rate": failRate = double.Parse(Value() ?? "0", CultureInfo.InvariantCulture); break;
                case "--duration-s": duration = TimeSpan.FromSeconds(double.Parse(Value() ?? "0", CultureInfo.InvariantCulture)); break;
                case "--report-every-s": reportEvery = TimeSpan.FromSeconds(double.Parse(Value() ?? "5", CultureInfo.InvariantCulture)); break;
                case "--pull": pull = true; break;
                case "--quiet": quiet = true; break;
                default: return Fail($"unknown argument '{args[i]}'");
            }
        }
        if (servers.Count == 0)
        {
            servers.AddRange(SplitServers(Environment.GetEnvironmentVariable("GMTOOLS_SERVER") ?? "http://localhost:5000"));
        }
        if (Environment.GetEnvironmentVariable(CredentialsVariable) is { Length: > 0 } fromEnv)
        {
            credentials.AddRange(fromEnv.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        if (credentials.Count == 0 || credentials.Any(c => !c.StartsWith("GameServer ", StringComparison.Ordinal) || !c.Contains('.', StringComparison.Ordinal)))
        {
            return Fail($"give at least one --credential \"GameServer id.secret\" (or {CredentialsVariable})");
        }
        if (failRate is < 0 or > 1)
        {
            return Fail("--fail-rate must be between 0 and 1");
        }
        if (servers.Count == 0 || servers.Any(s => !Uri.TryCreate(s, UriKind.Absolute, out _)))
        {
            return Fail("--server must be an absolute URL (repeat it, or separate by ',', for several replicas)");
        }
        return new SimulatorCli(servers, credentials, ackDelay, failRate, duration, reportEvery, pull, quiet, null);

        SimulatorCli Fail(string error) => new(servers, credentials, ackDelay, failRate, duration, reportEvery, pull, quiet, error);
    }

    private static string[] SplitServers(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static string GameServerIdOf(string credential)
    {
        var value = credential["GameServer ".Length..].Trim();
        return value[..value.IndexOf('.', StringComparison.Ordinal)];
    }

    /// <summary>One line per command, naming the ids a game server matches (see game_commands.proto).</summary>
    public static string Describe(GmTools.Contracts.V1.GameCommand c) => c.BodyCase switch
    {
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.Kick => $"kick {c.Kick.PlayerId} ({c.Kick.Reason})",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.Mute => $"mute {c.Mute.PlayerId} sanction {c.Mute.SanctionId} until {Until(c.Mute.Until)} ({c.Mute.Reason})",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.Unmute => $"unmute {c.Unmute.PlayerId} sanction {c.Unmute.SanctionId}",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.Ban => $"ban {c.Ban.PlayerId} sanction {c.Ban.SanctionId} until {Until(c.Ban.Until)} ({c.Ban.Reason})",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.Unban => $"unban {c.Unban.PlayerId} sanction {c.Unban.SanctionId}",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.MailReward => $"mail {c.MailReward.PlayerId} {MailSource(c.MailReward)}: {string.Join(", ", c.MailReward.Lines.Select(l => $"{l.Count} x {l.ItemId}"))}",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.ClawBack => $"claw back {c.ClawBack.PlayerId} grant {c.ClawBack.GrantId}",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.ShowAnnouncement => Show(c.ShowAnnouncement),
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.CancelAnnouncement => $"withdraw announcement {c.CancelAnnouncement.AnnouncementId}",
        GmTools.Contracts.V1.GameCommand.BodyOneofCase.CreditRecharge => $"credit recharge {c.CreditRecharge.PlayerId} adjustment {c.CreditRecharge.AdjustmentId}: {c.CreditRecharge.Amount} {c.CreditRecharge.Currency} (payment {c.CreditRecharge.PaymentReference})",
        _ => c.BodyCase.ToString(),
    };

    /// <summary>"show announcement 3 marquee priority 5 until …: [en] Double XP … | [zh-CN] 双倍 …", the default locale first.</summary>
    private static string Show(GmTools.Contracts.V1.ShowAnnouncement a)
    {
        var texts = a.TextByLocale.OrderBy(t => t.Key == a.DefaultLocale ? 0 : 1).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => $"[{t.Key}] {t.Value}");
        return $"show announcement {a.AnnouncementId} {a.DisplayKind} priority {a.Priority} until {Until(a.EndsAt)}: {string.Join(" | ", texts)}";
    }

    private static string MailSource(GmTools.Contracts.V1.MailReward m) => m.GrantId.Length > 0 ? $"grant {m.GrantId}" : $"campaign {m.CampaignId}";

    private static string Until(Google.Protobuf.WellKnownTypes.Timestamp? t) =>
        t is null ? "permanent" : t.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture);
}
