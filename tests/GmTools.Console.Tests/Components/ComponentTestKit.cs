using System.Globalization;
using Bunit;
using GmTools.Console.Localization;
using GmTools.Console.Security;
using GmTools.Console.ServerCalls;
using GmTools.Console.State;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using MudPopoverProvider = MudBlazor.MudPopoverProvider;
using Role = GmTools.Contracts.V1.Role;

namespace GmTools.Console.Tests.Components;

/// <summary>
/// bUnit with the console's own services, English text, and test doubles of the generated gRPC clients
/// (their protected constructors exist for this), so forms and visibility are tested without a server.
/// </summary>
public abstract class ComponentTest : BunitContext, IAsyncLifetime
{
    protected ComponentTest()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("en");
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddOptions<ConsoleOptions>();
        Services.AddScoped<ConsolePreferences>();
        Services.AddScoped<ServerCall>();
        Services.AddScoped<PlayerSelection>();
        Services.AddSingleton(TimeProvider.System);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only asynchronously disposable.
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    /// <summary>MudSelect and menus need the popover host on the page (render it after registering services).</summary>
    protected void RenderPopoverHost() => Render<MudPopoverProvider>();

    protected void SignedInAs(Role role, params string[] permissions) =>
        Services.AddSingleton(StaffSession.ForTests($"{role.ToString().ToLowerInvariant()}.tester", [role], permissions));

    /// <summary>The server's permission table, as WhoAmI reports it, for the roles the tests use.</summary>
    public static readonly string[] ViewerPermissions = [Perm.GameServersRead, Perm.GameLinkRead, Perm.PlayersRead, Perm.SanctionsRead, Perm.RewardsRead];
    public static readonly string[] AgentPermissions = [.. ViewerPermissions, Perm.PlayersReadContact, Perm.PlayersNote, Perm.RewardsGrant, Perm.AppealsFile];
    public static readonly string[] GmPermissions = [.. ViewerPermissions, Perm.PlayersReadContact, Perm.PlayersNote, Perm.SanctionsIssue, Perm.SanctionsLift, Perm.AppealsDecide, Perm.AppealsFile];
    public static readonly string[] SupervisorPermissions =
        [.. AgentPermissions, .. GmPermissions, Perm.AuditRead, Perm.RewardsApprove, Perm.RewardsRevoke, Perm.SanctionsApproveBulk, Perm.CampaignsManage];
    public static readonly string[] AdminPermissions = [.. SupervisorPermissions, Perm.GameServersManage, Perm.CatalogueManage];
}

public static class Calls
{
    public static AsyncUnaryCall<T> Ok<T>(T response) =>
        new(Task.FromResult(response), Task.FromResult(new Metadata()), () => Grpc.Core.Status.DefaultSuccess, () => [], () => { });

    public static AsyncUnaryCall<T> Fail<T>(RpcException error) =>
        new(Task.FromException<T>(error), Task.FromResult(new Metadata()), () => error.Status, () => [], () => { });

    public static RpcException InvalidArgument(params (string Field, string Description)[] violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations.Select(v => new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = "invalid argument",
            Details = { Any.Pack(badRequest) },
        }.ToRpcException();
    }

    public static PlayerDetails Player(string id = "p1", string server = "s1", string name = "李逍遥") =>
        new() { PlayerId = id, GameServerId = server, CharacterName = name, Account = "acct-" + id, Level = 10 };
}

public sealed class FakeSanctions : SanctionService.SanctionServiceClient
{
    public List<IssueSanctionRequest> Issued { get; } = [];

    public Queue<Func<IssueSanctionRequest, AsyncUnaryCall<IssueSanctionResponse>>> Answers { get; } = new();

    public ProposeSanctionResponse Proposal { get; set; } =
        new() { Step = 1, Steps = 3, PriorOffenses = 0, Duration = Duration.FromTimeSpan(TimeSpan.FromHours(1)) };

    public override AsyncUnaryCall<IssueSanctionResponse> IssueSanctionAsync(IssueSanctionRequest request, CallOptions options)
    {
        Issued.Add(request.Clone());
        return Answers.Count > 0
            ? Answers.Dequeue()(request)
            : Calls.Ok(new IssueSanctionResponse { Sanction = new Sanction { SanctionId = Issued.Count, PlayerId = request.PlayerId, Kind = request.Kind } });
    }

    public override AsyncUnaryCall<ProposeSanctionResponse> ProposeSanctionAsync(ProposeSanctionRequest request, CallOptions options) => Calls.Ok(Proposal);

    public List<PreviewBulkSanctionRequest> Previewed { get; } = [];

    public List<ExecuteBulkSanctionRequest> Executed { get; } = [];

    public List<ApproveBulkSanctionRequest> BulkApprovals { get; } = [];

    public List<DecideAppealRequest> AppealDecisions { get; } = [];

    /// <summary>Above the guard rail: the preview needs a supervisor's approval.</summary>
    public bool NeedsApproval { get; set; }

    public string ApprovedBy { get; set; } = "";

    public List<BulkSanction> Pending { get; } = [];

    public override AsyncUnaryCall<PreviewBulkSanctionResponse> PreviewBulkSanctionAsync(PreviewBulkSanctionRequest request, CallOptions options)
    {
        Previewed.Add(request.Clone());
        var known = request.PlayerIds.Where(id => id != "nobody").ToList();
        var response = new PreviewBulkSanctionResponse
        {
            PreviewToken = $"token-{Previewed.Count}",
            NeedsApproval = NeedsApproval,
            UnknownPlayerIds = { request.PlayerIds.Where(id => id == "nobody") },
            Players = { known.Select((id, i) => new BulkPlayer { PlayerId = id, GameServerId = i % 2 == 0 ? "s1" : "s2", AlreadySanctioned = id == "p3" }) },
        };
        response.AffectedGameServerIds.AddRange(response.Players.Select(p => p.GameServerId).Distinct().Order(StringComparer.Ordinal));
        return Calls.Ok(response);
    }

    public override AsyncUnaryCall<GetBulkSanctionResponse> GetBulkSanctionAsync(GetBulkSanctionRequest request, CallOptions options) =>
        Calls.Ok(new GetBulkSanctionResponse { BulkSanction = new BulkSanction { PreviewToken = request.PreviewToken, ApprovedBy = ApprovedBy } });

    public override AsyncUnaryCall<ExecuteBulkSanctionResponse> ExecuteBulkSanctionAsync(ExecuteBulkSanctionRequest request, CallOptions options)
    {
        Executed.Add(request.Clone());
        return Calls.Ok(new ExecuteBulkSanctionResponse
        {
            Results = { request.Content.PlayerIds.Select((id, i) => new BulkResult { PlayerId = id, Outcome = BulkOutcome.Sanctioned, SanctionId = 100 + i }) },
        });
    }

    public override AsyncUnaryCall<ListBulkSanctionsResponse> ListBulkSanctionsAsync(ListBulkSanctionsRequest request, CallOptions options) =>
        Calls.Ok(new ListBulkSanctionsResponse { BulkSanctions = { Pending } });

    public override AsyncUnaryCall<ApproveBulkSanctionResponse> ApproveBulkSanctionAsync(ApproveBulkSanctionRequest request, CallOptions options)
    {
        BulkApprovals.Add(request.Clone());
        return Calls.Ok(new ApproveBulkSanctionResponse { ApprovedBy = "supervisor.tester" });
    }

    public override AsyncUnaryCall<DecideAppealResponse> DecideAppealAsync(DecideAppealRequest request, CallOptions options)
    {
        AppealDecisions.Add(request.Clone());
        return Calls.Ok(new DecideAppealResponse
        {
            Appeal = new Appeal { AppealId = request.AppealId, State = request.Decision, PlayerId = "p1", SanctionId = 5, Statement = "我没有作弊" },
            Sanction = new Sanction { SanctionId = 5, Active = request.Decision != AppealState.Overturned },
        });
    }
}

public sealed class FakePlayers : PlayerService.PlayerServiceClient
{
    public GetPlayerDossierResponse Dossier { get; set; } = new() { Player = Calls.Player() };

    public List<SearchPlayersRequest> Searches { get; } = [];

    public override AsyncUnaryCall<GetPlayerDossierResponse> GetPlayerDossierAsync(GetPlayerDossierRequest request, CallOptions options) => Calls.Ok(Dossier);

    public override AsyncUnaryCall<SearchPlayersResponse> SearchPlayersAsync(SearchPlayersRequest request, CallOptions options)
    {
        Searches.Add(request);
        return Calls.Ok(new SearchPlayersResponse { Players = { Dossier.Player } });
    }
}

public sealed class FakeGameServers : GameServerService.GameServerServiceClient
{
    public List<GameServer> Servers { get; } = [new GameServer { GameServerId = "s1", DisplayName = "S1" }, new GameServer { GameServerId = "s2", DisplayName = "S2" }];

    public List<RegisterGameServerRequest> Registered { get; } = [];

    public List<RotateGameServerCredentialRequest> Rotated { get; } = [];

    public override AsyncUnaryCall<ListGameServersResponse> ListGameServersAsync(ListGameServersRequest request, CallOptions options) =>
        Calls.Ok(new ListGameServersResponse { GameServers = { Servers } });

    public override AsyncUnaryCall<RegisterGameServerResponse> RegisterGameServerAsync(RegisterGameServerRequest request, CallOptions options)
    {
        Registered.Add(request);
        var server = new GameServer { GameServerId = request.GameServerId, DisplayName = request.DisplayName, Region = request.Region };
        Servers.Add(server);
        return Calls.Ok(new RegisterGameServerResponse { GameServer = server, Credential = $"GameServer {request.GameServerId}.secret-{Registered.Count}" });
    }

    public override AsyncUnaryCall<RotateGameServerCredentialResponse> RotateGameServerCredentialAsync(RotateGameServerCredentialRequest request, CallOptions options)
    {
        Rotated.Add(request);
        return Calls.Ok(new RotateGameServerCredentialResponse
        {
            GameServer = Servers.First(s => s.GameServerId == request.GameServerId),
            Credential = $"GameServer {request.GameServerId}.rotated-{Rotated.Count}",
        });
    }
}

public sealed class FakeGameLinks : GameLinkService.GameLinkServiceClient
{
    public List<GameLink> Links { get; } = [];

    public override AsyncUnaryCall<ListGameLinksResponse> ListGameLinksAsync(ListGameLinksRequest request, CallOptions options) =>
        Calls.Ok(new ListGameLinksResponse { Links = { Links } });
}

public sealed class FakeAudit : AuditService.AuditServiceClient
{
    public List<AuditRecord> Records { get; } = [];

    public List<ListAuditRecordsRequest> Listed { get; } = [];

    public List<VerifyAuditChainRequest> Verified { get; } = [];

    public VerifyAuditChainResponse Verification { get; set; } = new() { Intact = true, RecordsChecked = 12, CheckedThroughSequence = 12 };

    public override AsyncUnaryCall<ListAuditRecordsResponse> ListAuditRecordsAsync(ListAuditRecordsRequest request, CallOptions options)
    {
        Listed.Add(request);
        return Calls.Ok(new ListAuditRecordsResponse { Records = { Records } });
    }

    public override AsyncUnaryCall<VerifyAuditChainResponse> VerifyAuditChainAsync(VerifyAuditChainRequest request, CallOptions options)
    {
        Verified.Add(request);
        return Calls.Ok(Verification);
    }
}

public sealed class FakeRewards : RewardService.RewardServiceClient
{
    public List<CatalogueItem> Catalogue { get; } =
    [
        new() { ItemId = "gold", Name = "金币 Gold", Kind = ItemKind.Currency, UnitValue = 1, Active = true },
        new() { ItemId = "gem", Name = "宝石 Gem", Kind = ItemKind.Item, UnitValue = 100, Active = true },
        new() { ItemId = "mount.horse", Name = "坐骑 Horse", Kind = ItemKind.Item, UnitValue = 5000, Active = true },
        new() { ItemId = "old.hat", Name = "旧帽子 Old hat", Kind = ItemKind.Item, UnitValue = 10, Active = false },
    ];

    public List<CreateGrantRequest> Created { get; } = [];

    public Queue<Func<CreateGrantRequest, AsyncUnaryCall<CreateGrantResponse>>> Answers { get; } = new();

    public List<Grant> Grants { get; } = [];

    public List<(string Decision, long GrantId, string Reason)> Decisions { get; } = [];

    public override AsyncUnaryCall<ListCatalogueItemsResponse> ListCatalogueItemsAsync(ListCatalogueItemsRequest request, CallOptions options) =>
        Calls.Ok(new ListCatalogueItemsResponse { Items = { Catalogue.Where(i => request.IncludeInactive || i.Active) } });

    public override AsyncUnaryCall<CreateGrantResponse> CreateGrantAsync(CreateGrantRequest request, CallOptions options)
    {
        Created.Add(request.Clone());
        return Answers.Count > 0
            ? Answers.Dequeue()(request)
            : Calls.Ok(new CreateGrantResponse { Grant = new Grant { GrantId = Created.Count, State = GrantState.Approved, Requester = "agent.tester" } });
    }

    public override AsyncUnaryCall<ListGrantsResponse> ListGrantsAsync(ListGrantsRequest request, CallOptions options) =>
        Calls.Ok(new ListGrantsResponse { Grants = { Grants.Where(g => request.State == GrantState.Unspecified || g.State == request.State) } });

    public override AsyncUnaryCall<GetGrantResponse> GetGrantAsync(GetGrantRequest request, CallOptions options) =>
        Calls.Ok(new GetGrantResponse { Grant = Grants.First(g => g.GrantId == request.GrantId) });

    public override AsyncUnaryCall<ApproveGrantResponse> ApproveGrantAsync(ApproveGrantRequest request, CallOptions options) =>
        Calls.Ok(new ApproveGrantResponse { Grant = Decide("approve", request.GrantId, request.Reason, GrantState.Approved) });

    public override AsyncUnaryCall<RejectGrantResponse> RejectGrantAsync(RejectGrantRequest request, CallOptions options) =>
        Calls.Ok(new RejectGrantResponse { Grant = Decide("reject", request.GrantId, request.Reason, GrantState.Rejected) });

    public override AsyncUnaryCall<RevokeGrantResponse> RevokeGrantAsync(RevokeGrantRequest request, CallOptions options) =>
        Calls.Ok(new RevokeGrantResponse { Grant = Decide("revoke", request.GrantId, request.Reason, GrantState.Revoked) });

    public List<CreateCampaignRequest> CampaignsCreated { get; } = [];

    public List<AppendCampaignPlayersRequest> Appended { get; } = [];

    public Dictionary<long, Campaign> Campaigns { get; } = [];

    public PreviewCampaignResponse Preview { get; set; } = new()
    {
        TotalRecipients = 1234, TotalValue = 123_400,
        PerServer = { new ServerRecipients { GameServerId = "s1", Recipients = 1000 }, new ServerRecipients { GameServerId = "s2", Recipients = 234 } },
    };

    public override AsyncUnaryCall<CreateCampaignResponse> CreateCampaignAsync(CreateCampaignRequest request, CallOptions options)
    {
        CampaignsCreated.Add(request.Clone());
        var campaign = new Campaign { CampaignId = 70 + CampaignsCreated.Count, State = CampaignState.Draft, Creator = "supervisor.tester", Reason = request.Reason };
        Campaigns[campaign.CampaignId] = campaign;
        return Calls.Ok(new CreateCampaignResponse { Campaign = campaign });
    }

    public override AsyncUnaryCall<AppendCampaignPlayersResponse> AppendCampaignPlayersAsync(AppendCampaignPlayersRequest request, CallOptions options)
    {
        Appended.Add(request.Clone());
        return Calls.Ok(new AppendCampaignPlayersResponse { UploadedPlayers = Appended.Sum(a => a.PlayerIds.Count) });
    }

    public override AsyncUnaryCall<GetCampaignResponse> GetCampaignAsync(GetCampaignRequest request, CallOptions options) =>
        Calls.Ok(new GetCampaignResponse { Campaign = Campaigns[request.CampaignId] });

    public override AsyncUnaryCall<PreviewCampaignResponse> PreviewCampaignAsync(PreviewCampaignRequest request, CallOptions options) => Calls.Ok(Preview);

    public override AsyncUnaryCall<ApproveCampaignResponse> ApproveCampaignAsync(ApproveCampaignRequest request, CallOptions options)
    {
        Decisions.Add(("approve-campaign", request.CampaignId, request.Reason));
        return Calls.Ok(new ApproveCampaignResponse { Campaign = Moved(request.CampaignId, CampaignState.Expanding) });
    }

    public override AsyncUnaryCall<SubmitCampaignResponse> SubmitCampaignAsync(SubmitCampaignRequest request, CallOptions options)
    {
        Decisions.Add(("submit-campaign", request.CampaignId, ""));
        return Calls.Ok(new SubmitCampaignResponse { Campaign = Moved(request.CampaignId, CampaignState.PendingApproval) });
    }

    public override AsyncUnaryCall<CancelCampaignResponse> CancelCampaignAsync(CancelCampaignRequest request, CallOptions options)
    {
        Decisions.Add((request.ClawBackDelivered ? "cancel-campaign+claw-back" : "cancel-campaign", request.CampaignId, request.Reason));
        return Calls.Ok(new CancelCampaignResponse { Campaign = Moved(request.CampaignId, CampaignState.Cancelled) });
    }

    private Campaign Moved(long id, CampaignState state)
    {
        var moved = Campaigns[id].Clone();
        moved.State = state;
        return moved;
    }

    private Grant Decide(string decision, long id, string reason, GrantState state)
    {
        Decisions.Add((decision, id, reason));
        var grant = Grants.First(g => g.GrantId == id).Clone();
        grant.State = state;
        grant.DecisionReason = reason;
        return grant;
    }

    /// <summary>A grant above its requester's limit, as ListGrants shows it.</summary>
    public static Grant Pending(long id, string requester) => new()
    {
        GrantId = id,
        Requester = requester,
        State = GrantState.PendingApproval,
        Lines = { new RewardLine { ItemId = "mount.horse", Count = 3 } },
        Recipients = { new GrantRecipient { PlayerId = "p1", GameServerId = "s1" } },
        Reason = "坐骑活动奖励未到账",
        TicketRef = "T-9",
        MailTitle = "补偿",
        TotalValue = 15_000,
        ApprovalReason = "over the per-grant limit",
        CreatedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero)),
    };
}
