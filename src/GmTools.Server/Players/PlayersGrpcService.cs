using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Players.Dossier;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Players;

public sealed class PlayersGrpcService(
    RequestContext request,
    IOptions<PlayersOptions> options,
    PlayerSync sync,
    PlayerSearch search,
    PlayerContactReads contactReads,
    PlayerDossier dossier,
    PlayerNotes notes,
    PlayerTransfers transfers,
    IdempotentCalls idempotent) : PlayerService.PlayerServiceBase
{
    [RequiresPermission(Permissions.PlayersSync)]
    public override async Task<SyncPlayersResponse> SyncPlayers(SyncPlayersRequest r, ServerCallContext context)
    {
        new Violations().CheckGameServerId("game_server_id", r.GameServerId).ThrowIfAny();
        request.Caller.EnsureIsGameServer(r.GameServerId);
        PlayerValidation.Sync(r, options.Value.MaxSyncBatch);
        var result = await sync.SyncAsync(r.GameServerId, r.Players, context.CancellationToken);
        var response = new SyncPlayersResponse { Inserted = result.Inserted, Updated = result.Updated, SkippedStale = result.SkippedStale };
        response.Refused.AddRange(result.Refused.Select(x => new Contracts.V1.SyncRefusal { Field = $"players[{x.Index}]", PlayerId = x.PlayerId, Reason = x.Reason }));
        return response;
    }

    [RequiresPermission(Permissions.PlayersTransfer)]
    public override async Task<TransferPlayerResponse> TransferPlayer(TransferPlayerRequest r, ServerCallContext context)
    {
        new Violations()
            .RequiredMax("player_id", r.PlayerId, PlayerLimits.PlayerId)
            .CheckGameServerId("to_game_server_id", r.ToGameServerId)
            .RequiredMax("reason", r.Reason, PlayerLimits.TransferReason)
            .MaxLength("ticket_ref", r.TicketRef, PlayerLimits.NoteTicketRef)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        return await idempotent.RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var moved = await transfers.TransferAsync(new TransferOrder(r.PlayerId, r.ToGameServerId, r.Reason, r.TicketRef), ct);
            return new TransferPlayerResponse { Player = PlayerContracts.ToContract(moved.Player, withContact: false), FromGameServerId = moved.FromGameServerId };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.PlayersRead)]
    public override async Task<GetPlayerResponse> GetPlayer(GetPlayerRequest r, ServerCallContext context)
    {
        new Violations().RequiredMax("player_id", r.PlayerId, PlayerLimits.PlayerId).ThrowIfAny();
        var caller = request.Caller;
        var player = caller.EnsureVisible(await search.GetAsync(r.PlayerId, context.CancellationToken), r.PlayerId);
        var withContact = caller.Holds(Permissions.PlayersReadContact);
        if (withContact)
        {
            await contactReads.RecordAsync([player], "get_player", null, context.CancellationToken);
        }
        return new GetPlayerResponse { Player = PlayerContracts.ToContract(player, withContact) };
    }

    [RequiresPermission(Permissions.PlayersRead)]
    public override async Task<SearchPlayersResponse> SearchPlayers(SearchPlayersRequest r, ServerCallContext context)
    {
        var v = new Violations();
        var (mode, text, field) = r.QueryCase switch
        {
            SearchPlayersRequest.QueryOneofCase.PlayerId => (PlayerSearchMode.PlayerId, r.PlayerId, "player_id"),
            SearchPlayersRequest.QueryOneofCase.Account => (PlayerSearchMode.Account, r.Account, "account"),
            SearchPlayersRequest.QueryOneofCase.NamePrefix => (PlayerSearchMode.NamePrefix, r.NamePrefix, "name_prefix"),
            SearchPlayersRequest.QueryOneofCase.NameFuzzy => (PlayerSearchMode.NameFuzzy, r.NameFuzzy, "name_fuzzy"),
            _ => (PlayerSearchMode.PlayerId, "", "query"),
        };
        var max = mode switch
        {
            PlayerSearchMode.PlayerId => PlayerLimits.PlayerId,
            PlayerSearchMode.Account => PlayerLimits.Account,
            _ => PlayerLimits.CharacterName,
        };
        v.RequiredMax(field, text, max).CheckGameServerId("game_server_id", r.GameServerId, required: false).ThrowIfAny();
        var caller = request.Caller;
        if (r.IncludeContact && !caller.Holds(Permissions.PlayersReadContact))
        {
            throw GrpcErrors.PermissionDenied($"include_contact needs permission '{Permissions.PlayersReadContact}'");
        }
        var pageSize = PageToken.Size(r.PageSize, options.Value.MaxPageSize);
        var query = new PlayerQuery(mode, text, caller.SearchableServers(r.GameServerId), pageSize, FuzzyThreshold: PlayerQuery.ThresholdFor(text, options.Value.FuzzyThreshold, options.Value.FuzzyThresholdCap), FuzzyTimeoutMs: options.Value.FuzzyTimeoutMs);
        query = query with { After = PlayerPageToken.Decode(r.PageToken, query) };

        var page = await search.SearchAsync(query, context.CancellationToken);
        if (r.IncludeContact)
        {
            await contactReads.RecordAsync(page.Players, "search", null, context.CancellationToken);
        }
        var response = new SearchPlayersResponse
        {
            NextPageToken = page.Next is null ? "" : PlayerPageToken.Encode(query, page.Next),
        };
        response.Players.AddRange(page.Players.Select(p => PlayerContracts.ToContract(p, r.IncludeContact)));
        return response;
    }

    [RequiresPermission(Permissions.PlayersRead)]
    public override async Task<GetPlayerDossierResponse> GetPlayerDossier(GetPlayerDossierRequest r, ServerCallContext context)
    {
        var v = new Violations().RequiredMax("player_id", r.PlayerId, PlayerLimits.PlayerId);
        if (r.RecentLimit is < 0 or > PlayerDossier.MaxRecentLimit)
        {
            v.Add("recent_limit", $"must be between 1 and {PlayerDossier.MaxRecentLimit}");
        }
        v.ThrowIfAny();
        var limit = r.RecentLimit == 0 ? PlayerDossier.DefaultRecentLimit : r.RecentLimit;
        return await dossier.BuildAsync(request.Caller, r.PlayerId, limit, r.SanctionHistoryPageToken, context.CancellationToken);
    }

    [RequiresPermission(Permissions.PlayersNote)]
    public override async Task<AddPlayerNoteResponse> AddPlayerNote(AddPlayerNoteRequest r, ServerCallContext context)
    {
        var v = new Violations()
            .RequiredMax("player_id", r.PlayerId, PlayerLimits.PlayerId)
            .RequiredMax("text", r.Text, PlayerLimits.NoteText)
            .MaxLength("ticket_ref", r.TicketRef, PlayerLimits.NoteTicketRef)
            .IdempotencyKey(r.IdempotencyKey);
        var kind = PlayerContracts.StoredKind(r.Kind);
        if (kind is null)
        {
            v.Add("kind", "must be set");
        }
        v.ThrowIfAny();
        return await idempotent.RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new AddPlayerNoteResponse { Note = PlayerContracts.ToContract(await notes.AddAsync(request.Caller, r.PlayerId, kind!, r.Text, r.TicketRef, ct)) },
            context.CancellationToken);
    }
}
