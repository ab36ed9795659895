using GmTools.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Players;

/// <summary>
/// Told, after a commit, that something happened to players which another capability follows up: a complaint case
/// opened, compensation granted, a sanction lifted. VIP care plans its follow-up visits from it at once instead of at
/// its next planning run. Fire and forget: the caller's answer never waits for it, and whatever it misses the
/// follow-up's own scheduled run still finds (it reads the events from their tables, not from this signal).
/// </summary>
public interface IPlayerFollowUps
{
    void Happened(string what);
}

public static class PlayerFollowUpEvents
{
    public const string CaseOpened = "case_opened";
    public const string GrantApproved = "grant_approved";
    public const string SanctionLifted = "sanction_lifted";
}

public static class PlayerFollowUpSignals
{
    /// <summary>Tells every follow-up once the caller's transaction has really committed (never for a rollback).</summary>
    public static Task SignalAfterCommitAsync(this IEnumerable<IPlayerFollowUps> followUps, DbContext db, string what) =>
        db.AfterCommitAsync(() =>
        {
            foreach (var f in followUps)
            {
                f.Happened(what);
            }
            return Task.CompletedTask;
        });
}
