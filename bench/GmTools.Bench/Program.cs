using GmTools.Bench;

// The one bench program: every benchmark is a verb (`GmTools.Bench --help` lists them). The bench/*.sh scripts start
// the throwaway PostgreSQL and Redis a verb needs and pass their addresses in.
return await BenchCommands.Build().Parse(args).InvokeAsync();
