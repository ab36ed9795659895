using GmTools.Contracts.V1;
using GmTools.Server.GameLink;
using GmTools.Server.GameServers;
using GmTools.Server.Persistence;
using Google.Protobuf.WellKnownTypes;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Sanctions;

/// <summary>
/// Turns sanction changes into game-server commands in the caller's transaction: the scope's game server,
/// or every registered game server for an all-server scope.
/// </summary>
public sealed class SanctionCommands(GmToolsDbContext db, CommandOutbox outbox)
{
    // A kick that could not be delivered soon is pointless; a ban's kick lasts as long as the ban.
    private static readonly TimeSpan LoneKickLifetime = TimeSpan.FromMinutes(10);

    public async Task<IReadOnlyList<string>> TargetsAsync(string? scopeGameServerId, CancellationToken ct) =>
        scopeGameServerId is not null
            ? [scopeGameServerId]
            : await db.Set<GameServerEntity>().AsNoTracking().OrderBy(g => g.GameServerId).Select(g => g.GameServerId).ToListAsync(ct);

    public static string Correlation(Sanction s) => $"sanction:{s.SanctionId}";

    public void Issued(Sanction s, IReadOnlyList<string> targets)
    {
        foreach (var gs in targets)
        {
            switch (s.Kind)
            {
                case SanctionKinds.Kick:
                    outbox.Enqueue(db, gs, Kick(s), Correlation(s), s.IssuedAt + LoneKickLifetime);
                    break;
                case SanctionKinds.Ban:
                    outbox.Enqueue(db, gs, Kick(s), Correlation(s), s.EndsAt);
                    outbox.Enqueue(db, gs, Notice(s), Correlation(s), s.EndsAt);
                    break;
                case SanctionKinds.Mute:
                    outbox.Enqueue(db, gs, Notice(s), Correlation(s), s.EndsAt);
                    break;
            }
        }
    }

    /// <summary>The new end goes out as a fresh mute/ban notice; the game server keeps the latest.</summary>
    public void EndChanged(Sanction s, IReadOnlyList<string> targets)
    {
        foreach (var gs in targets)
        {
            outbox.Enqueue(db, gs, Notice(s), Correlation(s), s.EndsAt);
        }
    }

    public void Lifted(Sanction s, IReadOnlyList<string> targets)
    {
        var id = s.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var gs in targets)
        {
            var command = s.Kind == SanctionKinds.Ban
                ? new GameCommand { Unban = new UnbanNotice { PlayerId = s.PlayerId, SanctionId = id } }
                : new GameCommand { Unmute = new UnmutePlayer { PlayerId = s.PlayerId, SanctionId = id } };
            outbox.Enqueue(db, gs, command, Correlation(s));
        }
    }

    private static GameCommand Kick(Sanction s) => new() { Kick = new KickPlayer { PlayerId = s.PlayerId, Reason = s.ReasonCode } };

    private static GameCommand Notice(Sanction s)
    {
        var id = s.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var until = s.EndsAt is { } end ? Timestamp.FromDateTimeOffset(end) : null;
        return s.Kind == SanctionKinds.Ban
            ? new GameCommand { Ban = new BanNotice { PlayerId = s.PlayerId, SanctionId = id, Until = until, Reason = s.ReasonCode } }
            : new GameCommand { Mute = new MutePlayer { PlayerId = s.PlayerId, SanctionId = id, Until = until, Reason = s.ReasonCode } };
    }
}
