using GmTools.Bench;

// gmtools-bench gamelink --postgres "Host=...;Username=...;Database=postgres" --redis HOST:PORT
//                        [--commands 100000] [--samples 2000] [--rate 200]
// Normally started by bench/gamelink.sh, which brings up a throwaway PostgreSQL and Redis.
if (args.Length == 0 || args[0] != "gamelink")
{
    Console.Error.WriteLine("usage: gamelink --postgres CONNSTRING --redis HOST:PORT [--commands N] [--samples N] [--rate PER_SECOND]");
    return 2;
}
return await GameLinkBench.RunAsync(args[1..]);
