using GmTools.Server.Audit;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Players;

public sealed record TransferOrder(string PlayerId, string ToGameServerId, string Reason, string TicketRef);

public sealed record TransferredPlayer(Player Player, string FromGameServerId);

/// <summary>
/// The one way a player changes game servers (a sync never moves anyone, see <see cref="PlayerSync"/>). Staff who
/// see both servers move the player; the version restarts at 0 so the new server's own numbering is taken from its
/// first sync, and the old server's rows are refused from then on. Sanctions keep their scope: a ban on the old
/// server stays there (lift or re-issue it deliberately).
/// </summary>
public sealed class PlayerTransfers(GmToolsDbContext db, AuditWriter audit, RequestContext request)
{
    public const string TransferAction = "player.transfer";

    public async Task<TransferredPlayer> TransferAsync(TransferOrder order, CancellationToken ct)
    {
        var caller = request.Caller;
        await using var tx = await db.BeginWorkAsync(ct);
        var player = caller.VisiblePlayer(await db.LockAsync<Player>(order.PlayerId, ct), order.PlayerId);
        var notFound = ObjectRules.GameServerNotFound(order.ToGameServerId);
        caller.EnsureSees(order.ToGameServerId, notFound);
        if (!await db.Set<GameServerEntity>().AnyAsync(g => g.GameServerId == order.ToGameServerId, ct))
        {
            throw GrpcErrors.NotFound(notFound);
        }
        var from = player.GameServerId;
        if (string.Equals(from, order.ToGameServerId, StringComparison.Ordinal))
        {
            throw GrpcErrors.FailedPrecondition($"player '{order.PlayerId}' already lives on game server '{from}'");
        }
        player.GameServerId = order.ToGameServerId;
        player.Version = 0;
        player.Online = false;
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry(TransferAction, "player", player.PlayerId, new { from, to = order.ToGameServerId },
            PlayerId: player.PlayerId, GameServerId: order.ToGameServerId, Reason: order.Reason, TicketRef: order.TicketRef), ct);
        await tx.CommitAsync(ct);
        return new TransferredPlayer(player, from);
    }
}
