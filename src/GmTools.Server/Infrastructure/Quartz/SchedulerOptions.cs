using System.ComponentModel.DataAnnotations;

namespace GmTools.Server.Infrastructure.Quartz;

/// <summary>Section "GmTools:Quartz".</summary>
public sealed class SchedulerOptions
{
    public const string Section = "GmTools:Quartz";

    /// <summary>Off only for tools that open the host without wanting jobs to fire (e.g. the migrate verb).</summary>
    public bool Enabled { get; set; } = true;

    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1, 64)]
    public int ThreadCount { get; set; } = 4;
}
