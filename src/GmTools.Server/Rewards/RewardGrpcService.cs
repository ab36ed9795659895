using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Persistence;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Rewards;

/// <summary>Validates, authorizes and hands over to <see cref="Catalogue"/>, <see cref="GrantDesk"/> and <see cref="CampaignDesk"/>.</summary>
public sealed class RewardGrpcService(Catalogue catalogue, GrantDesk grants, CampaignDesk campaigns, GmToolsDbContext db, IdempotentCalls idempotent, IOptions<RewardOptions> options) : RewardService.RewardServiceBase
{
    private const int ReasonMax = 500;
    private const int TicketMax = 64;
    private const int TitleMax = 100;
    private const int BodyMax = 2000;
    private const int MaxCampaignServers = 100;

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
        if (!CatalogueRules.IsValidItemId(item.ItemId))
        {
            v.Add("item.item_id", "must be 1-64 letters, digits, '.', '_' or '-'");
        }
        v.RequiredMax("item.name", item.Name, 100).RequiredMax("reason", r.Reason, ReasonMax);
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
            Kind = item.Kind == ItemKind.Currency ? CatalogueItem.KindCurrency : CatalogueItem.KindItem,
            UnitValue = item.UnitValue,
            Active = item.Active,
        }, r.Reason, context.CancellationToken);
        return new UpsertCatalogueItemResponse { Item = ToContract(saved) };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<ListCatalogueItemsResponse> ListCatalogueItems(ListCatalogueItemsRequest r, ServerCallContext context)
    {
        var response = new ListCatalogueItemsResponse();
        response.Items.AddRange((await catalogue.ListAsync(r.IncludeInactive, context.CancellationToken)).Select(ToContract));
        return response;
    }

    [RequiresPermission(Permissions.RewardsGrant)]
    public override async Task<CreateGrantResponse> CreateGrant(CreateGrantRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .RequiredMax("idempotency_key", r.IdempotencyKey, 128)
            .CheckLines(r.Lines, Options.MaxLinesPerGrant, Options.MaxCountPerLine)
            .RequiredMax("reason", r.Reason, ReasonMax)
            .MaxLength("ticket_ref", r.TicketRef, TicketMax)
            .RequiredMax("mail_title", r.MailTitle, TitleMax)
            .MaxLength("mail_body", r.MailBody, BodyMax);
        CheckPlayerIds(v, r.PlayerIds, Options.MaxPlayersPerGrant);
        if (r.CaseId < 0)
        {
            v.Add("case_id", "must be a case id (or 0 for none)");
        }
        v.ThrowIfAny();
        var result = await grants.CreateAsync(r, context.CancellationToken);
        return new CreateGrantResponse { Grant = await GrantViews.DescribeAsync(db, result.Grant, context.CancellationToken), Replayed = result.Replayed };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<GetGrantResponse> GetGrant(GetGrantRequest r, ServerCallContext context)
    {
        var grant = await grants.GetAsync(r.GrantId, context.CancellationToken);
        return new GetGrantResponse { Grant = await GrantViews.DescribeAsync(db, grant, context.CancellationToken) };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<ListGrantsResponse> ListGrants(ListGrantsRequest r, ServerCallContext context)
    {
        new Violations().MaxLength("player_id", r.PlayerId, 64).MaxLength("requester", r.Requester, 128).ThrowIfAny();
        var (page, next) = await grants.ListAsync(r, context.CancellationToken);
        var response = new ListGrantsResponse { NextPageToken = next };
        response.Grants.AddRange(page.Select(GrantViews.Summary));
        return response;
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<ApproveGrantResponse> ApproveGrant(ApproveGrantRequest r, ServerCallContext context)
    {
        new Violations().MaxLength("reason", r.Reason, ReasonMax).ThrowIfAny();
        var grant = await grants.ApproveAsync(r.GrantId, r.Reason, context.CancellationToken);
        return new ApproveGrantResponse { Grant = await GrantViews.DescribeAsync(db, grant, context.CancellationToken) };
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<RejectGrantResponse> RejectGrant(RejectGrantRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, ReasonMax).ThrowIfAny();
        var grant = await grants.RejectAsync(r.GrantId, r.Reason, context.CancellationToken);
        return new RejectGrantResponse { Grant = await GrantViews.DescribeAsync(db, grant, context.CancellationToken) };
    }

    [RequiresPermission(Permissions.RewardsRevoke)]
    public override async Task<RevokeGrantResponse> RevokeGrant(RevokeGrantRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, ReasonMax).MaxLength("ticket_ref", r.TicketRef, TicketMax).ThrowIfAny();
        var grant = await grants.RevokeAsync(r.GrantId, r.Reason, r.TicketRef, context.CancellationToken);
        return new RevokeGrantResponse { Grant = await GrantViews.DescribeAsync(db, grant, context.CancellationToken) };
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<CreateCampaignResponse> CreateCampaign(CreateCampaignRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .CheckLines(r.Lines, Options.MaxLinesPerGrant, Options.MaxCountPerLine)
            .RequiredMax("reason", r.Reason, ReasonMax)
            .MaxLength("ticket_ref", r.TicketRef, TicketMax)
            .RequiredMax("mail_title", r.MailTitle, TitleMax)
            .MaxLength("mail_body", r.MailBody, BodyMax);
        switch (r.TargetCase)
        {
            case CreateCampaignRequest.TargetOneofCase.GameServers:
                var servers = r.GameServers.GameServerIds;
                if (servers.Count == 0 || servers.Count > MaxCampaignServers)
                {
                    v.Add("game_servers.game_server_ids", $"between 1 and {MaxCampaignServers} game servers");
                }
                else if (servers.Distinct(StringComparer.Ordinal).Count() != servers.Count)
                {
                    v.Add("game_servers.game_server_ids", "must not repeat a game server");
                }
                for (var i = 0; i < servers.Count; i++)
                {
                    v.CheckGameServerId($"game_servers.game_server_ids[{i}]", servers[i]);
                }
                break;
            case CreateCampaignRequest.TargetOneofCase.IncidentWindow:
                var w = r.IncidentWindow;
                v.CheckGameServerId("incident_window.game_server_id", w.GameServerId);
                if (w.Start is null || w.End is null)
                {
                    v.Add("incident_window", "start and end are required");
                }
                else if (new Violations().Timestamp("", w.Start).Timestamp("", w.End).Any)
                {
                    v.Timestamp("incident_window.start", w.Start).Timestamp("incident_window.end", w.End);
                }
                else if (w.Start.ToDateTimeOffset() >= w.End.ToDateTimeOffset())
                {
                    v.Add("incident_window.end", "must be after start");
                }
                break;
            case CreateCampaignRequest.TargetOneofCase.PlayerList:
                break;
            default:
                v.Add("target", "is required (game_servers, incident_window or player_list)");
                break;
        }
        v.ThrowIfAny();
        v.IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        return await idempotent.RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new CreateCampaignResponse { Campaign = CampaignViews.ToContract(await campaigns.CreateAsync(r, ct)) },
            context.CancellationToken);
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<AppendCampaignPlayersResponse> AppendCampaignPlayers(AppendCampaignPlayersRequest r, ServerCallContext context)
    {
        var v = new Violations();
        CheckPlayerIds(v, r.PlayerIds, Options.Campaigns.MaxPlayersPerUpload);
        v.ThrowIfAny();
        var total = await campaigns.AppendPlayersAsync(r.CampaignId, r.PlayerIds, context.CancellationToken);
        return new AppendCampaignPlayersResponse { UploadedPlayers = total };
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<SubmitCampaignResponse> SubmitCampaign(SubmitCampaignRequest r, ServerCallContext context) =>
        new() { Campaign = CampaignViews.ToContract(await campaigns.SubmitAsync(r.CampaignId, context.CancellationToken)) };

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
        new Violations().MaxLength("reason", r.Reason, ReasonMax).ThrowIfAny();
        return new() { Campaign = CampaignViews.ToContract(await campaigns.ApproveAsync(r.CampaignId, r.Reason, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsApprove)]
    public override async Task<RejectCampaignResponse> RejectCampaign(RejectCampaignRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, ReasonMax).ThrowIfAny();
        return new() { Campaign = CampaignViews.ToContract(await campaigns.RejectAsync(r.CampaignId, r.Reason, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.CampaignsManage)]
    public override async Task<CancelCampaignResponse> CancelCampaign(CancelCampaignRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("reason", r.Reason, ReasonMax).ThrowIfAny();
        return new() { Campaign = CampaignViews.ToContract(await campaigns.CancelAsync(r.CampaignId, r.Reason, r.ClawBackDelivered, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<GetCampaignResponse> GetCampaign(GetCampaignRequest r, ServerCallContext context) =>
        new() { Campaign = CampaignViews.ToContract(await campaigns.ViewAsync(r.CampaignId, context.CancellationToken)) };

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task<ListCampaignsResponse> ListCampaigns(ListCampaignsRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (r.PageSize < 0)
        {
            v.Add("page_size", "must not be negative");
        }
        var state = CampaignViews.StateName(r.State);
        if (r.State != CampaignState.Unspecified && state is null)
        {
            v.Add("state", "is not a campaign state");
        }
        v.ThrowIfAny();
        var (page, next) = await campaigns.ListAsync(state, r.PageSize, r.PageToken, context.CancellationToken);
        var response = new ListCampaignsResponse { NextPageToken = next };
        response.Campaigns.AddRange(page.Select(CampaignViews.ToContract));
        return response;
    }

    [RequiresPermission(Permissions.RewardsRead)]
    public override async Task WatchCampaign(WatchCampaignRequest r, IServerStreamWriter<WatchCampaignResponse> responseStream, ServerCallContext context)
    {
        await foreach (var view in campaigns.WatchAsync(r.CampaignId, context.CancellationToken))
        {
            await responseStream.WriteAsync(new WatchCampaignResponse { Campaign = CampaignViews.ToContract(view) }, context.CancellationToken);
        }
    }

    private static void CheckPlayerIds(Violations v, Google.Protobuf.Collections.RepeatedField<string> ids, int max)
    {
        if (ids.Count == 0)
        {
            v.Add("player_ids", "at least one player is required");
            return;
        }
        if (ids.Count > max)
        {
            v.Add("player_ids", $"at most {max} players per request");
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i]) || ids[i].Length > 64)
            {
                v.Add($"player_ids[{i}]", "must be 1-64 characters");
            }
            else if (!seen.Add(ids[i]))
            {
                v.Add($"player_ids[{i}]", "appears twice");
            }
        }
    }

    private static Contracts.V1.CatalogueItem ToContract(CatalogueItem i) => new()
    {
        ItemId = i.ItemId,
        Name = i.Name,
        Kind = i.Kind == CatalogueItem.KindCurrency ? ItemKind.Currency : ItemKind.Item,
        UnitValue = i.UnitValue,
        Active = i.Active,
        UpdatedAt = Timestamp.FromDateTimeOffset(i.UpdatedAt),
    };
}
