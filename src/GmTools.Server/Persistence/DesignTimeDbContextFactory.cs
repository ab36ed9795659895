using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Npgsql;

namespace GmTools.Server.Persistence;

/// <summary>Lets `dotnet ef migrations add` build the model without a running database or host.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<GmToolsDbContext>
{
    public GmToolsDbContext CreateDbContext(string[] args)
    {
        var dataSource = new NpgsqlDataSourceBuilder("Host=localhost;Database=gmtools_design").Build();
        var options = new DbContextOptionsBuilder<GmToolsDbContext>();
        PersistenceRegistration.Configure(options, dataSource);
        return new GmToolsDbContext(options.Options);
    }
}
