using GmTools.Contracts.V1;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using static GmTools.Server.Tests.Sanctions.SanctionsKit;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Cases;

/// <summary>Agents on the shared duty roster with a daily capacity of 2; players on f1.</summary>
public sealed class CaseFairFixture : ServerFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["GmTools:Quartz:Enabled"] = "false",
        ["GmTools:Staffing:DefaultDailyCapacity"] = "2",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await GameServerCredentialAsync("f1");
        foreach (var p in new[] { "p-f1", "p-f2", "p-f3", "p-f4" })
        {
            await this.AddPlayerAsync(p, "f1");
        }
    }
}

public sealed class CaseFairAssignmentTests(CaseFairFixture fx) : IClassFixture<CaseFairFixture>
{
    private DateTimeOffset Now => fx.Clock.GetUtcNow();

    private async Task<long> OpenAsync(string player) =>
        (await fx.Cases("amy").OpenCaseAsync(CaseKit.Open(player, "complaint", Now).With(r => r.Record.GameServerId = "f1"))).Case.CaseId;

    private Task<AssignCaseResponse> FairAsync(long id) =>
        fx.Cases("sue", Role.Supervisor).AssignCaseAsync(new AssignCaseRequest { CaseId = id, Fair = true }).ResponseAsync;

    [Fact]
    public async Task The_roster_spreads_cases_over_agents_on_duty_keeps_a_players_agent_and_respects_capacity()
    {
        // Nobody on duty yet: refused, nothing assigned.
        var first = await OpenAsync("p-f1");
        await RefusedAsync(() => FairAsync(first), StatusCode.FailedPrecondition);
        foreach (var agent in new[] { "ann", "ben" })
        {
            await new StaffingService.StaffingServiceClient(fx.StaffChannel(agent, Role.Agent)).SetMyDutyAsync(new SetMyDutyRequest { OnDuty = true });
        }
        Assert.Equal("ann", (await FairAsync(first)).Case.Assignee);          // both empty: by id
        var second = await OpenAsync("p-f2");
        Assert.Equal("ben", (await FairAsync(second)).Case.Assignee);         // ann has one open
        var again = await OpenAsync("p-f1");
        Assert.Equal("ann", (await FairAsync(again)).Case.Assignee);          // the player's previous agent
        var third = await OpenAsync("p-f3");
        Assert.Equal("ben", (await FairAsync(third)).Case.Assignee);          // ann is at her capacity of 2 today
        var fourth = await OpenAsync("p-f4");
        await RefusedAsync(() => FairAsync(fourth), StatusCode.FailedPrecondition); // both at capacity

        // Agents claim; only cases.assign distributes; an assignee with fair is a contradiction.
        await RefusedAsync(() => fx.Cases("ann").AssignCaseAsync(new AssignCaseRequest { CaseId = fourth, Fair = true }).ResponseAsync, StatusCode.PermissionDenied);
        Assert.Equal(["assignee"], (await RefusedAsync(() => fx.Cases("sue", Role.Supervisor).AssignCaseAsync(new AssignCaseRequest { CaseId = fourth, Fair = true, Assignee = "ann" }).ResponseAsync, StatusCode.InvalidArgument)).Fields());
        Assert.Equal(4, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action = 'case.assign' AND (change::jsonb ->> 'fair') = 'true'"));
    }
}
