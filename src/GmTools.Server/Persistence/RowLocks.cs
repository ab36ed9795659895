using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace GmTools.Server.Persistence;

/// <summary>
/// "Lock the row, then decide": loads one row by its primary key with <c>FOR UPDATE</c> in the caller's open
/// transaction, so two writers of the same object take turns. Null when there is no such row; the caller then
/// checks visibility with the scope API (<c>caller.VisibleSanction(row, id)</c>, <c>caller.VisibleOrNotFound</c>),
/// which answers NOT_FOUND alike for a missing row and for one outside the caller's scope.
/// </summary>
public static class RowLocks
{
    public static async Task<T?> LockAsync<T>(this DbContext db, object key, CancellationToken ct) where T : class
    {
        var sql = LockSql(db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not an entity"));
        var rows = await db.Set<T>().FromSqlRaw(sql, key).ToListAsync(ct);
        return rows.FirstOrDefault();
    }

    // Names come from the EF model, never from a caller; the key goes in as a parameter.
    private static string LockSql(IEntityType entity)
    {
        var table = entity.GetTableName() ?? throw new InvalidOperationException($"{entity.DisplayName()} has no table");
        var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
        var key = entity.FindPrimaryKey()?.Properties is [var single] ? single : throw new InvalidOperationException($"{entity.DisplayName()} needs a one-column key");
        var schema = entity.GetSchema() is { } s ? $"\"{s}\"." : "";
        return $"SELECT * FROM {schema}\"{table}\" WHERE \"{key.GetColumnName(store)}\" = {{0}} FOR UPDATE";
    }
}
