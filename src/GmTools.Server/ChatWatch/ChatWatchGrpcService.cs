using GmTools.Contracts.V1;
using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Caller = GmTools.Server.Security.Caller;

namespace GmTools.Server.ChatWatch;

/// <summary>Thin: shape checks, then the desks. Scoped desks are resolved per RPC from the call's services.</summary>
public sealed class ChatWatchGrpcService(RequestContext request, IOptionsMonitor<ChatWatchOptions> options) : ChatWatchService.ChatWatchServiceBase
{
    private const int MaxRecentPage = 200;

    private Caller Caller => request.Caller;

    private static T Get<T>(ServerCallContext context) where T : notnull => context.GetHttpContext().RequestServices.GetRequiredService<T>();

    [RequiresPermission(Permissions.ChatIngest)]
    public override async Task IngestChat(IAsyncStreamReader<IngestChatRequest> requestStream, IServerStreamWriter<IngestChatResponse> responseStream, ServerCallContext context)
    {
        var desk = Get<ChatIngestDesk>(context);
        await foreach (var r in requestStream.ReadAllAsync(context.CancellationToken))
        {
            Caller.EnsureIsGameServer(r.GameServerId);
            if (r.Lines.Count > ChatLimits.BatchLines)
            {
                throw GrpcErrors.InvalidArgument("lines", $"at most {ChatLimits.BatchLines} lines a batch");
            }
            var lines = new List<IncomingLine>(r.Lines.Count);
            var rejected = new List<RejectedLine>();
            for (var i = 0; i < r.Lines.Count; i++)
            {
                if (ChatValidation.TryReadLine(r.Lines[i], i, out var line, out var bad))
                {
                    lines.Add(line!);
                }
                else
                {
                    rejected.Add(bad!);
                }
            }
            var result = await desk.IngestAsync(new IngestBatch(r.GameServerId, r.BatchId, lines, rejected), context.CancellationToken);
            await responseStream.WriteAsync(new IngestChatResponse
            {
                BatchId = result.BatchId,
                Accepted = result.Accepted,
                Duplicates = result.Duplicates,
                Rejected = { result.Rejected.Select(x => new RejectedChatLine { Index = x.Index, Field = x.Field, Reason = x.Reason }) },
                Flagged = result.Flagged,
                SanctionsIssued = result.SanctionsIssued,
                Degraded = result.Degraded,
                RuleVersion = result.RuleVersion,
            }, context.CancellationToken);
        }
    }

    [RequiresPermission(Permissions.ChatWatch)]
    public override async Task WatchChat(WatchChatRequest r, IServerStreamWriter<WatchChatResponse> responseStream, ServerCallContext context)
    {
        new Violations().GameServer("game_server_id", r.GameServerId).MaxLength("player_id", r.PlayerId, Players.PlayerLimits.PlayerId).ThrowIfAny();
        Caller.EnsureSees(r.GameServerId, ObjectRules.GameServerNotFound(r.GameServerId));
        var filter = new WatchFilter(r.GameServerId, ChatContracts.ChannelName(r.Channel), r.PlayerId.Length == 0 ? null : r.PlayerId, r.FlaggedOnly);
        using var watch = Get<ChatLiveFeed>(context).Watch(filter);
        try
        {
            await foreach (var line in watch.Lines.ReadAllAsync(context.CancellationToken))
            {
                await responseStream.WriteAsync(new WatchChatResponse { Line = line }, context.CancellationToken);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // the GM closed the view
        }
    }

    [RequiresPermission(Permissions.ChatWatch)]
    public override async Task<ListRecentChatResponse> ListRecentChat(ListRecentChatRequest r, ServerCallContext context)
    {
        var v = new Violations().GameServer("game_server_id", r.GameServerId);
        var channel = ChatContracts.ChannelName(r.Channel);
        if (channel is null)
        {
            v.Add("channel", "is required: world, shout, guild or private");
        }
        v.ThrowIfAny();
        var size = PageToken.Size(r.PageSize == 0 ? 50 : r.PageSize, MaxRecentPage);
        var skip = 0;
        if (PageToken.Decode(r.PageToken, "page_token") is { } cursor && (!int.TryParse(cursor, out skip) || skip < 0))
        {
            throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        }
        Caller.EnsureSees(r.GameServerId, ObjectRules.GameServerNotFound(r.GameServerId));
        var lines = await Get<ChatLiveState>(context).RecentAsync(ChatLiveState.Recent(r.GameServerId, channel!), skip, size);
        var response = new ListRecentChatResponse { Live = lines is not null };
        if (lines is not null)
        {
            response.Lines.AddRange(lines);
            var end = skip + lines.Length;
            if (lines.Length == size && end < options.CurrentValue.RecentLinesPerChannel)
            {
                response.NextPageToken = PageToken.Encode(end.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return response;
    }

    [RequiresPermission(Permissions.ChatWatch)]
    public override async Task<ListHotChatOffendersResponse> ListHotChatOffenders(ListHotChatOffendersRequest r, ServerCallContext context)
    {
        new Violations().GameServer("game_server_id", r.GameServerId).ThrowIfAny();
        var limit = PageToken.Size(r.Limit == 0 ? 20 : r.Limit, 100, "limit");
        Caller.EnsureSees(r.GameServerId, ObjectRules.GameServerNotFound(r.GameServerId));
        var hottest = await Get<ChatLiveState>(context).HottestAsync(r.GameServerId, limit);
        var o = options.CurrentValue;
        return new ListHotChatOffendersResponse
        {
            Live = hottest is not null,
            Window = Duration.FromTimeSpan(o.OffenderBucket * o.OffenderBuckets),
            Offenders = { (hottest ?? []).Select(h => new HotChatOffender { PlayerId = h.Player, FlaggedLines = h.Lines }) },
        };
    }

    [RequiresPermission(Permissions.ChatRulesRead)]
    public override async Task<GetChatRulesResponse> GetChatRules(GetChatRulesRequest r, ServerCallContext context)
    {
        if (r.Version < 0)
        {
            throw GrpcErrors.InvalidArgument("version", "must be 0 (in force) or a version number");
        }
        var (version, book) = await Get<ChatRuleQueries>(context).GetAsync(r.Version, context.CancellationToken);
        return new GetChatRulesResponse { Version = version, Rules = ChatContracts.ToContract(book) };
    }

    [RequiresPermission(Permissions.ChatRulesRead)]
    public override async Task<ListChatRuleVersionsResponse> ListChatRuleVersions(ListChatRuleVersionsRequest r, ServerCallContext context)
    {
        var size = PageToken.Size(r.PageSize == 0 ? 20 : r.PageSize, 100);
        long? before = null;
        if (PageToken.Decode(r.PageToken, "page_token") is { } cursor)
        {
            before = long.TryParse(cursor, out var b) ? b : throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        }
        var versions = await Get<ChatRuleQueries>(context).ListAsync(before, size + 1, context.CancellationToken);
        var response = new ListChatRuleVersionsResponse { Versions = { versions.Take(size).Select(ChatContracts.ToContract) } };
        if (versions.Count > size)
        {
            response.NextPageToken = PageToken.Encode(versions[size - 1].Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.ChatRulesManage)]
    public override async Task<ImportChatRulesResponse> ImportChatRules(ImportChatRulesRequest r, ServerCallContext context)
    {
        var v = new Violations();
        var book = v.ToRulebook("rules", r.Rules);
        v.MaxLength("note", r.Note, ChatLimits.Note).IdempotencyKey(r.IdempotencyKey);
        if (r.ExpectedVersion < 0)
        {
            v.Add("expected_version", "must be 0 or a version number");
        }
        v.ThrowIfAny();
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new ImportChatRulesResponse
            {
                Version = ChatContracts.ToContract(await Get<ChatRuleDesk>(context).ImportAsync(new ImportRulesOrder(book, r.Note, r.ExpectedVersion), ct)),
            }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.ChatRulesManage)]
    public override async Task<EditChatTermResponse> EditChatTerm(EditChatTermRequest r, ServerCallContext context)
    {
        var v = new Violations().RequiredMax("term.text", r.Term?.Text, ChatLimits.Term);
        if (!r.Remove)
        {
            v.RequiredMax("term.category", r.Term?.Category, ChatLimits.Category);
        }
        v.MaxLength("note", r.Note, ChatLimits.Note).IdempotencyKey(r.IdempotencyKey);
        if (r.ExpectedVersion < 0)
        {
            v.Add("expected_version", "must be 0 or a version number");
        }
        v.ThrowIfAny();
        var term = new TermRule(r.Term!.Text, r.Term.Category, ChatContracts.TermMatchOf(r.Term.Match));
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new EditChatTermResponse
            {
                Version = ChatContracts.ToContract(await Get<ChatRuleDesk>(context).EditTermAsync(new EditTermOrder(term, r.Remove, r.Note, r.ExpectedVersion), ct)),
            }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.ChatRulesManage)]
    public override async Task<RollBackChatRulesResponse> RollBackChatRules(RollBackChatRulesRequest r, ServerCallContext context)
    {
        var v = new Violations().MaxLength("note", r.Note, ChatLimits.Note).IdempotencyKey(r.IdempotencyKey);
        if (r.ToVersion <= 0)
        {
            v.Add("to_version", "is required");
        }
        v.ThrowIfAny();
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new RollBackChatRulesResponse
            {
                Version = ChatContracts.ToContract(await Get<ChatRuleDesk>(context).RollBackAsync(new RollBackOrder(r.ToVersion, r.Note), ct)),
            }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.ChatRulesManage)]
    public override async Task<DryRunChatRulesResponse> DryRunChatRules(DryRunChatRulesRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (r.Lines.Count == 0 || r.Lines.Count > ChatLimits.DryRunLines)
        {
            v.Add("lines", $"1-{ChatLimits.DryRunLines} lines");
        }
        for (var i = 0; i < r.Lines.Count; i++)
        {
            v.MaxLength($"lines[{i}]", r.Lines[i], ChatLimits.Text);
        }
        ChatRulebook? proposed = r.RulesCase == DryRunChatRulesRequest.RulesOneofCase.Proposed ? v.ToRulebook("proposed", r.Proposed) : null;
        if (r.RulesCase == DryRunChatRulesRequest.RulesOneofCase.Version && r.Version < 0)
        {
            v.Add("version", "must be 0 (in force) or a version number");
        }
        v.ThrowIfAny();
        var queries = Get<ChatRuleQueries>(context);
        var (version, rules) = proposed is not null
            ? (0L, queries.CompileProposed(proposed))
            : await queries.CompiledAsync(r.RulesCase == DryRunChatRulesRequest.RulesOneofCase.Version ? r.Version : 0, context.CancellationToken);
        var response = new DryRunChatRulesResponse { Version = version };
        foreach (var line in r.Lines)
        {
            var score = rules.Score(line);
            response.Results.Add(new DryRunResult { Text = line, Flagged = score.Flagged, Matches = { score.Matches.Select(m => ChatContracts.ToContract(m, line)) } });
        }
        return response;
    }

    [RequiresPermission(Permissions.ChatReview)]
    public override async Task<ListChatReviewsResponse> ListChatReviews(ListChatReviewsRequest r, ServerCallContext context)
    {
        var v = new Violations().MaxLength("game_server_id", r.GameServerId, GameServers.GameServerIds.MaxLength).MaxLength("state", r.State, ChatLimits.Name);
        if (r.State.Length > 0 && r.State is not (ChatReviewStates.Pending or ChatReviewStates.Claimed or ChatReviewStates.Confirmed or ChatReviewStates.Dismissed or ChatReviewStates.Sanctioned))
        {
            v.Add("state", "must be pending, claimed, confirmed, dismissed or sanctioned");
        }
        v.ThrowIfAny();
        var size = PageToken.Size(r.PageSize, 100);
        var after = 0L;
        if (PageToken.Decode(r.PageToken, "page_token") is { } cursor && !long.TryParse(cursor, out after))
        {
            throw GrpcErrors.InvalidArgument("page_token", "is not a token this server issued");
        }
        if (r.GameServerId.Length > 0)
        {
            Caller.EnsureSees(r.GameServerId, ObjectRules.GameServerNotFound(r.GameServerId));
        }
        var rows = await Get<ChatReviewDesk>(context).ListAsync(r.GameServerId.Length == 0 ? null : r.GameServerId, r.State.Length == 0 ? null : r.State,
            after, size + 1, context.CancellationToken);
        var response = new ListChatReviewsResponse { Reviews = { rows.Take(size).Select(ChatContracts.ToReview) } };
        if (rows.Count > size)
        {
            response.NextPageToken = PageToken.Encode(rows[size - 1].FlagId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.ChatReview)]
    public override async Task<ClaimChatReviewResponse> ClaimChatReview(ClaimChatReviewRequest r, ServerCallContext context)
    {
        var id = ReviewId(r.ReviewId);
        return new ClaimChatReviewResponse { Review = ChatContracts.ToReview(await Get<ChatReviewDesk>(context).ClaimAsync(id, context.CancellationToken)) };
    }

    [RequiresPermission(Permissions.ChatReview)]
    public override async Task<ConfirmChatReviewResponse> ConfirmChatReview(ConfirmChatReviewRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (!long.TryParse(r.ReviewId, out var id) || id <= 0)
        {
            v.Add("review_id", "is required");
        }
        if (r.SanctionKind is not (Sanctions.SanctionKinds.Mute or Sanctions.SanctionKinds.Ban))
        {
            v.Add("sanction_kind", "must be \"mute\" or \"ban\"");
        }
        if (!Get<IOptionsMonitor<Sanctions.SanctionOptions>>(context).CurrentValue.EffectiveReasonCodes.Contains(r.ReasonCode))
        {
            v.Add("reason_code", "is not a configured reason code");
        }
        if (r.Duration is not null && r.Duration.ToTimeSpan() <= TimeSpan.Zero)
        {
            v.Add("duration", "must be more than zero when set");
        }
        v.RequiredMax("reason", r.Reason, Sanctions.SanctionLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new ConfirmReviewOrder(id, r.SanctionKind, r.ReasonCode, r.Duration?.ToTimeSpan(), r.Reason);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var done = await Get<ChatReviewDesk>(context).ConfirmAsync(order, ct);
            return new ConfirmChatReviewResponse { Review = ChatContracts.ToReview(done.Flag), SanctionId = done.SanctionId.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.ChatReview)]
    public override async Task<DismissChatReviewResponse> DismissChatReview(DismissChatReviewRequest r, ServerCallContext context)
    {
        var v = new Violations();
        if (!long.TryParse(r.ReviewId, out var id) || id <= 0)
        {
            v.Add("review_id", "is required");
        }
        v.MaxLength("allow_phrase", r.AllowPhrase, Engine.RuleSet.MaxTermLength).MaxLength("note", r.Note, ChatLimits.Note).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new DismissReviewOrder(id, r.AllowPhrase.Trim(), r.Note);
        return await Get<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var done = await Get<ChatReviewDesk>(context).DismissAsync(order, ct);
            return new DismissChatReviewResponse { Review = ChatContracts.ToReview(done.Flag), RuleVersion = done.RuleVersion ?? 0 };
        }, context.CancellationToken);
    }

    private static long ReviewId(string value) =>
        long.TryParse(value, out var id) && id > 0 ? id : throw GrpcErrors.InvalidArgument("review_id", "is required");
}
