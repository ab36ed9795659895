using GmTools.Contracts.V1;
using GmTools.Server.Infrastructure;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Players;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Rewards;

/// <summary>Thin: validates shapes, maps to orders and hands over to <see cref="Catalogue"/>, <see cref="GrantDesk"/> and <see cref="CampaignDesk"/>.</summary>
public sealed class RewardGrpcService(Catalogue catalogue, GrantDesk grants, CampaignDesk campaigns, IdempotentCalls idempotent, IOptions<RewardOptions> options) : RewardService.RewardServiceBase
{
    private RewardOptions Options => options.Value;

    [RequiresPermission(Permissions.CatalogueManage)]
    public override async Task<UpsertCatalogueItemResponse> UpsertCatalogueItem(UpsertCatalogueItemRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (r.Item is null)
        {
            v.Add("item", "is required").ThrowIfAny();
        }
        var item = r.Item!;
        v.ItemId("item.item_id", item.ItemId).RequiredMax("item.name", item.Name, RewardLimits.ItemName).RequiredMax("reason", r.Reason, RewardLimits.Reason);
        if (item.Kind == ItemKind.Unspecified)
        {
            v.Add("item.kind", "is required");
        }
        if (item.UnitValue is < 0 or > CatalogueRules.MaxUnitValue)
        {
            v.Add("item.unit_value", $"must be between 0 and {CatalogueRules.MaxUnitValue}");
        }
        v.ThrowIfAny();
        var saved = await catalogue.UpsertAsync(new CatalogueItem
        {
            ItemId = item.ItemId,
            Name = item.Name,
            Kind = GrantContracts.ToKind(item.Kind),
            UnitValue = item.UnitValue,
            Active = item.Active,
        }, r.Reason, context.CancellationToken);
        return new UpsertCatalogueItemResponse { Item = GrantContracts.ToContract(saved) };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<ListCatalogueItemsResponse> ListCatalogueItems(ListCatalogueItemsRequest r, ServerCallContext context)
    {
        var response = new ListCatalogueItemsResponse();
        response.Items.AddRange((await catalogue.ListAsync(r.IncludeInactive, context.CancellationToken)).Select(GrantContracts.ToContract));
        return response;
    }

    [RequiresPermission(Permissions.RewardsGrant)]
    public override async Task<CreateGrantResponse> CreateGrant(CreateGrantRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .RequiredMax("idempotency_key", r.IdempotencyKey, RewardLimits.IdempotencyKey)
            .Lines(r.Lines, Options.MaxLinesPerGrant, Options.MaxCountPerLine)
            .MailTexts(r.Reason, r.TicketRef, r.MailTitle, r.MailBody)
            .PlayerIds(r.PlayerIds, Options.MaxPlayersPerGrant);
        if (r.CaseId < 0)
        {
            v.Add("case_id", "must be a case id (or 0 for none)");
        }
        v.ThrowIfAny();
        var result = await grants.CreateAsync(RewardValidation.ToOrder(r), context.CancellationToken);
        return new CreateGrantResponse { Grant = GrantContracts.ToContract(result.Grant), Replayed = result.Replayed };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<GetGrantResponse> GetGrant(GetGrantRequest r, ServerCallContext context)
    {
        return new GetGrantResponse { Grant = GrantContracts.ToContract(await grants.GetAsync(r.GrantId, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<ListGrantsResponse> ListGrants(ListGrantsRequest r, ServerCallContext context)
    {
        var v = new Violations().MaxLength("player_id", r.PlayerId, PlayerLimits.PlayerId).MaxLength("requester", r.Requester, CommonLimits.ActorId);
        var state = GrantContracts.StateName(r.State);
        if (r.State != GrantState.Unspecified && state is null)
        {
            v.Add("state", "is not a grant state");
        }
        v.ThrowIfAny();
        var filter = new GrantFilter(r.PlayerId, r.Requester, state, r.PageSize, r.PageToken);
        var (page, next) = await grants.ListAsync(filter, context.CancellationToken);
        var response = new ListGrantsResponse { NextPageToken = next };
        response.Grants.AddRange(page.Select(GrantContracts.Summary));
        return response;
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<ApproveGrantResponse> ApproveGrant(ApproveGrantRequest r, ServerCallContext context)
    {
        new Violations().MaxLength("reason", r.Reason, RewardLimits.Reason).ThrowIfAny();
        return new ApproveGrantResponse { Grant = GrantContracts.ToContract(await grants.ApproveAsync(r.GrantId, r.Reason, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<RejectGrantResponse> RejectGrant(RejectGrantRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, RewardLimits.Reason).ThrowIfAny();
        return new RejectGrantResponse { Grant = GrantContracts.ToContract(await grants.RejectAsync(r.GrantId, r.Reason, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsRevoke)]
    public override async Task<RevokeGrantResponse> RevokeGrant(RevokeGrantRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, RewardLimits.Reason).MaxLength("ticket_ref", r.TicketRef, RewardLimits.TicketRef).ThrowIfAny();
        var revoked = await grants.RevokeAsync(new RevokeGrantOrder(r.GrantId, r.Reason, r.TicketRef), context.CancellationToken);
        return new RevokeGrantResponse { Grant = GrantContracts.ToContract(revoked) };
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<CreateCampaignResponse> CreateCampaign(CreateCampaignRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .Lines(r.Lines, Options.MaxLinesPerGrant, Options.MaxCountPerLine)
            .MailTexts(r.Reason, r.TicketRef, r.MailTitle, r.MailBody);
        var target = v.Target(r);
        v.ThrowIfAny();
        v.IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = RewardValidation.ToOrder(r, target!);
        return await idempotent.RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new CreateCampaignResponse { Campaign = CampaignContracts.ToContract(await campaigns.CreateAsync(order, ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<AppendCampaignPlayersResponse> AppendCampaignPlayers(AppendCampaignPlayersRequest r, ServerCallContext context)
    {
        new Violations().PlayerIds(r.PlayerIds, Options.Campaigns.MaxPlayersPerUpload).ThrowIfAny();
        var total = await campaigns.AppendPlayersAsync(r.CampaignId, r.PlayerIds, context.CancellationToken);
        return new AppendCampaignPlayersResponse { UploadedPlayers = total };
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<SubmitCampaignResponse> SubmitCampaign(SubmitCampaignRequest r, ServerCallContext context) =>
        new() { Campaign = CampaignContracts.ToContract(await campaigns.SubmitAsync(r.CampaignId, context.CancellationToken)) };

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<PreviewCampaignResponse> PreviewCampaign(PreviewCampaignRequest r, ServerCallContext context)
    {
        var preview = await campaigns.PreviewAsync(r.CampaignId, context.CancellationToken);
        var response = new PreviewCampaignResponse { TotalRecipients = preview.Total, TotalValue = preview.TotalValue };
        response.PerServer.AddRange(preview.PerServer.Select(p => new ServerRecipients { GameServerId = p.GameServerId, Recipients = p.Recipients }));
        return response;
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<ApproveCampaignResponse> ApproveCampaign(ApproveCampaignRequest r, ServerCallContext context)
    {
        new Violations().MaxLength("reason", r.Reason, RewardLimits.Reason).ThrowIfAny();
        return new() { Campaign = CampaignContracts.ToContract(await campaigns.ApproveAsync(r.CampaignId, r.Reason, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<RejectCampaignResponse> RejectCampaign(RejectCampaignRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, RewardLimits.Reason).ThrowIfAny();
        return new() { Campaign = CampaignContracts.ToContract(await campaigns.RejectAsync(r.CampaignId, r.Reason, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<CancelCampaignResponse> CancelCampaign(CancelCampaignRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, RewardLimits.Reason).ThrowIfAny();
        var order = new CancelCampaignOrder(r.CampaignId, r.Reason, r.ClawBackDelivered);
        return new() { Campaign = CampaignContracts.ToContract(await campaigns.CancelAsync(order, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<GetCampaignResponse> GetCampaign(GetCampaignRequest r, ServerCallContext context) =>
        new() { Campaign = CampaignContracts.ToContract(await campaigns.ViewAsync(r.CampaignId, context.CancellationToken)) };

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<ListCampaignsResponse> ListCampaigns(ListCampaignsRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (r.PageSize < 0)
        {
            v.Add("page_size", "must not be negative");
        }
        var state = CampaignContracts.StateName(r.State);
        if (r.State != CampaignState.Unspecified && state is null)
        {
            v.Add("state", "is not a campaign state");
        }
        v.ThrowIfAny();
        var (page, next) = await campaigns.ListAsync(state, r.PageSize, r.PageToken, context.CancellationToken);
        var response = new ListCampaignsResponse { NextPageToken = next };
        response.Campaigns.AddRange(page.Select(CampaignContracts.ToContract));
        return response;
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task WatchCampaign(WatchCampaignRequest r, IServerStreamWriter<WatchCampaignResponse> responseStream, ServerCallContext context)
    {
        await foreach (var view in campaigns.WatchAsync(r.CampaignId, context.CancellationToken))
        {
            await responseStream.WriteAsync(new WatchCampaignResponse { Campaign = CampaignContracts.ToContract(view) }, context.CancellationToken);
        }
    }
}
