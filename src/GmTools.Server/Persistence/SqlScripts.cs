namespace GmTools.Server.Persistence;

/// <summary>Hand-written SQL that migrations run, kept as embedded .sql files so it reads as SQL.</summary>
public static class SqlScripts
{
    public static string Load(string name)
    {
        var assembly = typeof(SqlScripts).Assembly;
        using var stream = assembly.GetManifestResourceStream($"GmTools.Server.Persistence.Sql.{name}")
            ?? throw new InvalidOperationException($"embedded SQL script '{name}' not found");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
