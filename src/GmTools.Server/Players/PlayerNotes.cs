using GmTools.Server.Audit;
using GmTools.Server.Persistence;
using GmTools.Server.Security;

namespace GmTools.Server.Players;

/// <summary>Adds agents' notes to players; each note and its audit record commit together.</summary>
public sealed class PlayerNotes(GmToolsDbContext db, PlayerSearch players, AuditWriter audit, TimeProvider time)
{
    public const string NoteAction = "player.note";

    public async Task<PlayerNoteEntity> AddAsync(Caller caller, string playerId, string kind, string text, string ticketRef, CancellationToken ct)
    {
        var player = caller.EnsureVisible(await players.GetAsync(playerId, ct), playerId);
        var note = new PlayerNoteEntity
        {
            PlayerId = player.PlayerId,
            Kind = kind,
            Text = text,
            TicketRef = ticketRef,
            Author = caller.Id,
            CreatedAt = time.GetUtcNow(),
        };
        await using var tx = await db.BeginWorkAsync(ct);
        db.Add(note);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(new AuditEntry(NoteAction, "player_note", note.NoteId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            new { kind, text }, PlayerId: player.PlayerId, GameServerId: player.GameServerId, TicketRef: ticketRef), ct);
        await tx.CommitAsync(ct);
        return note;
    }
}
