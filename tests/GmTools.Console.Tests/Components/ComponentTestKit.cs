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
    public override AsyncUnaryCall<ListGameServersResponse> ListGameServersAsync(ListGameServersRequest request, CallOptions options) =>
        Calls.Ok(new ListGameServersResponse
        {
            GameServers = { new GameServer { GameServerId = "s1", DisplayName = "S1" }, new GameServer { GameServerId = "s2", DisplayName = "S2" } },
        });
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
