using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Persistence;

/// <summary>
/// Serializes one logical resource (an issuer's guard rail, a requester's daily grant total) across replicas until the
/// caller's transaction ends: <c>pg_advisory_xact_lock</c> on a 64-bit hash of the name. Use it when there is no row
/// to lock <c>FOR UPDATE</c> (a count over recent rows, a limit per person). Name locks "capability.what:id".
/// </summary>
public static class AdvisoryLocks
{
    public static Task AdvisoryLockAsync(this DbContext db, string name, CancellationToken ct) =>
        db.Database.CurrentTransaction is null
            ? throw new InvalidOperationException("an advisory transaction lock needs the caller's open transaction")
            : db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({name}, 0))", ct);
}
