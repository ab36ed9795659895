using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.Persistence;

/// <summary>
/// The one DbContext. Each capability keeps its entities and their IEntityTypeConfiguration in its own
/// folder; they are picked up from this assembly, so adding a capability does not touch this file.
/// </summary>
public sealed class GmToolsDbContext(DbContextOptions<GmToolsDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresExtension("pg_trgm");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(GmToolsDbContext).Assembly);
    }
}
