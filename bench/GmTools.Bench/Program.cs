namespace GmTools.Bench;

/// <summary>
/// The one bench program: every benchmark is a verb (`GmTools.Bench --help` lists them). The bench/*.sh scripts start
/// the throwaway PostgreSQL and Redis a verb needs and pass their addresses in. (A named class, not top-level
/// statements, so the test project can reference this assembly beside the server's own Program.)
/// </summary>
public static class BenchProgram
{
    public static Task<int> Main(string[] args) => BenchCommands.Build().Parse(args).InvokeAsync();
}
