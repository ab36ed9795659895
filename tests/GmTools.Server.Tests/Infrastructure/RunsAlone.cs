namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// The classes that load the whole machine on their own (real server and simulator processes, the bench's load
/// profile, hundreds of streams, eight racing writers) and the ones that stop and restart a Redis of their own and
/// wait for the reconnect (or count round trips): they run after the parallel part of the suite, one class at a
/// time, so their load spikes neither fail the timing bounds of other classes nor are failed by them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}
