using GmTools.Contracts.V1;
using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Players.Dossier;

/// <summary>The player's notes, newest first.</summary>
public sealed class NotesDossierSection(GmToolsDbContext db) : IDossierSection
{
    public async Task FillAsync(DossierContext context, GetPlayerDossierResponse dossier, CancellationToken ct)
    {
        var notes = await db.Set<PlayerNoteEntity>().AsNoTracking()
            .Where(n => n.PlayerId == context.Player.PlayerId)
            .OrderByDescending(n => n.NoteId)
            .Take(context.RecentLimit)
            .ToListAsync(ct);
        dossier.Notes.AddRange(notes.Select(PlayerContracts.ToContract));
    }
}
