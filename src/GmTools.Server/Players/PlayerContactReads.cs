using GmTools.Server.Audit;
using GmTools.Server.Persistence;

namespace GmTools.Server.Players;

/// <summary>
/// Contact details are personal data: each player whose contact leaves the server gets an audit record
/// ("player.read_contact"), written and committed before the answer is sent, so a read that cannot be
/// audited is not answered.
/// </summary>
public sealed class PlayerContactReads(GmToolsDbContext db, AuditWriter audit)
{
    public const string ReadContactAction = "player.read_contact";
    public const string ReadDossierAction = "player.read_dossier";

    /// <param name="dossierOf">Also records a dossier read of this player, in the same transaction.</param>
    public async Task RecordAsync(IReadOnlyCollection<Player> contactsShown, string via, Player? dossierOf, CancellationToken ct)
    {
        if (contactsShown.Count == 0 && dossierOf is null)
        {
            return;
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (dossierOf is not null)
        {
            await audit.AppendAsync(new AuditEntry(ReadDossierAction, "player", dossierOf.PlayerId,
                new { contactIncluded = contactsShown.Count > 0 }, PlayerId: dossierOf.PlayerId, GameServerId: dossierOf.GameServerId), ct);
        }
        foreach (var p in contactsShown)
        {
            await audit.AppendAsync(new AuditEntry(ReadContactAction, "player", p.PlayerId, new { via },
                PlayerId: p.PlayerId, GameServerId: p.GameServerId), ct);
        }
        await tx.CommitAsync(ct);
    }
}
