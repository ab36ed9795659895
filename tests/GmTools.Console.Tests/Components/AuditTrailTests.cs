using Bunit;
using GmTools.Console.Components.Pages.Audit;
using Microsoft.Extensions.DependencyInjection;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

public sealed class AuditTrailTests : ComponentTest
{
    private readonly FakeAudit _audit = new();

    public AuditTrailTests()
    {
        Services.AddSingleton<AuditService.AuditServiceClient>(_audit);
        // Two records the chainer has not linked yet: both have sequence 0, only their ids differ.
        _audit.Records.Add(new AuditRecord { Id = 41, Sequence = 0, Action = "sanction.issue", Actor = "gus.gm", ChangeJson = """{"first":1}""" });
        _audit.Records.Add(new AuditRecord { Id = 40, Sequence = 0, Action = "grant.create", Actor = "amy.agent", ChangeJson = """{"second":2}""" });
        _audit.Records.Add(new AuditRecord { Id = 39, Sequence = 17, Action = "grant.approve", Actor = "sam.supervisor", ChangeJson = "{}" });
    }

    private IRenderedComponent<AuditTrail> RenderTrail(Role role = Role.Supervisor, string[]? permissions = null)
    {
        SignedInAs(role, permissions ?? SupervisorPermissions);
        var cut = Render<AuditTrail>();
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid='audit-row']").Count));
        return cut;
    }

    [Fact]
    public void Opening_one_unlinked_records_change_opens_only_that_one()
    {
        var cut = RenderTrail();
        cut.Find("[data-testid='audit-row'][data-id='41'] [data-testid='audit-change']").Click();
        var open = Assert.Single(cut.FindAll("[data-testid='audit-change-row']"));
        Assert.Equal("41", open.GetAttribute("data-id"));
        Assert.Contains("first", open.TextContent, StringComparison.Ordinal);
        Assert.Contains("not linked yet", cut.Find("[data-testid='audit-row'][data-id='40']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void The_filters_go_to_the_server_as_typed()
    {
        var cut = RenderTrail();
        cut.Find("[data-testid='audit-actor'] input, input[data-testid='audit-actor']").Change("gus.gm");
        cut.Find("[data-testid='audit-player'] input, input[data-testid='audit-player']").Change("p7");
        cut.Find("[data-testid='audit-action'] input, input[data-testid='audit-action']").Change("sanction.");
        cut.Find("form").Submit();
        cut.WaitForAssertion(() => Assert.Equal(2, _audit.Listed.Count));
        var last = _audit.Listed[^1];
        Assert.Equal(("gus.gm", "p7", "sanction."), (last.Actor, last.PlayerId, last.Action));
    }

    [Fact]
    public void A_broken_chain_says_where_and_why_and_only_admins_may_verify_from_the_first_record()
    {
        _audit.Verification = new VerifyAuditChainResponse
        {
            Intact = false, RecordsChecked = 9, FirstBrokenSequence = 15, FirstBrokenRecordId = 37, Problem = "hash mismatch",
            StartedAfterSequence = 6, CheckedThroughSequence = 15,
        };
        var cut = RenderTrail();
        Assert.Empty(cut.FindAll("[data-testid='verify-chain-full']"));
        cut.Find("[data-testid='verify-chain']").Click();
        cut.WaitForAssertion(() =>
        {
            var result = cut.Find("[data-testid='chain-result']");
            Assert.Equal("false", result.GetAttribute("data-intact"));
            Assert.Contains("15", result.TextContent, StringComparison.Ordinal);
            Assert.Contains("hash mismatch", result.TextContent, StringComparison.Ordinal);
            Assert.Contains("record id 37", result.TextContent, StringComparison.Ordinal);
            Assert.Contains("after record 6", result.TextContent, StringComparison.Ordinal);
        });
        Assert.False(Assert.Single(_audit.Verified).Full);
    }

    [Fact]
    public void An_admin_may_verify_the_whole_chain()
    {
        var cut = RenderTrail(Role.Admin, [.. AdminPermissions, Security.Perm.AuditVerifyFull]);
        cut.Find("[data-testid='verify-chain-full']").Click();
        cut.WaitForAssertion(() => Assert.True(Assert.Single(_audit.Verified).Full));
        cut.WaitForAssertion(() => Assert.Contains("Chain intact: 12 records checked", cut.Find("[data-testid='chain-result']").TextContent, StringComparison.Ordinal));
    }
}
