using System.Diagnostics;
using GmTools.Sanctions.Bench;

// Benchmarks over real HTTP/2 on a loopback port, each figure next to a bare Echo RPC measured in the same run.
//   sanctions [--seconds N per scenario] [--rounds N interleaved slices] [--concurrency N] [--connections N]
var verb = args.Length > 0 ? args[0] : "sanctions";
int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}
switch (verb)
{
    case "sanctions":
        await SanctionsBench.RunAsync(Option("--seconds", 20), Option("--concurrency", 64), Option("--connections", 4), Option("--rounds", 10));
        return 0;
    default:
        await Console.Error.WriteLineAsync($"unknown verb '{verb}'; expected: sanctions");
        Debug.Fail("unreachable");
        return 2;
}
