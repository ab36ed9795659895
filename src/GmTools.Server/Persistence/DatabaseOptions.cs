namespace GmTools.Server.Persistence;

/// <summary>Section "GmTools:Database". The connection string itself is "ConnectionStrings:Postgres".</summary>
public sealed class DatabaseOptions
{
    public const string Section = "GmTools:Database";

    /// <summary>Apply pending migrations when the server starts (development); production runs the "migrate" verb.</summary>
    public bool MigrateOnStart { get; set; }
}
