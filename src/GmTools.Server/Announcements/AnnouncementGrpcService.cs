using System.Globalization;
using GmTools.Contracts.V1;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Infrastructure.Idempotency;
using GmTools.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

/// <summary>Thin: shape checks, proto → orders, one desk or query call, entity → contract.</summary>
public sealed class AnnouncementGrpcService(
    RequestContext request,
    IOptionsMonitor<AnnouncementOptions> options,
    TimeProvider time) : AnnouncementService.AnnouncementServiceBase
{
    private const int MaxPage = 200;

    [RequiresPermission(Permissions.AnnouncementsDraft)]
    public override async Task<CreateAnnouncementResponse> CreateAnnouncement(CreateAnnouncementRequest r, ServerCallContext context)
    {
        new Violations().Plan("spec", r.Spec, options.CurrentValue, time.GetUtcNow())
            .MaxLength("reason", r.Reason, AnnouncementLimits.Reason)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new CreateOrder(AnnouncementValidation.ToPlan(r.Spec), r.Publish, r.Reason);
        return await Scoped<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new CreateAnnouncementResponse { Announcement = Contract(await Desk(context).CreateAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnnouncementsRead)]
    public override async Task<GetAnnouncementResponse> GetAnnouncement(GetAnnouncementRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).ThrowIfAny();
        var a = await Scoped<AnnouncementQueries>(context).GetAsync(request.Caller, r.AnnouncementId, context.CancellationToken);
        return new GetAnnouncementResponse { Announcement = Contract(a) };
    }

    [RequiresPermission(Permissions.AnnouncementsRead)]
    public override async Task<ListAnnouncementsResponse> ListAnnouncements(ListAnnouncementsRequest r, ServerCallContext context)
    {
        var v = new Violations().CheckGameServerId("game_server_id", r.GameServerId, required: false);
        var size = PageToken.Size(r.PageSize, MaxPage);
        long? after = null;
        if (!string.IsNullOrEmpty(r.PageToken))
        {
            if (long.TryParse(PageToken.Decode(r.PageToken, "page_token"), NumberStyles.None, CultureInfo.InvariantCulture, out var cursor))
            {
                after = cursor;
            }
            else
            {
                v.Add("page_token", "is not a token this service gave out");
            }
        }
        v.ThrowIfAny();
        var filter = new AnnouncementFilter(AnnouncementContracts.StateFilter(r.State), string.IsNullOrEmpty(r.GameServerId) ? null : r.GameServerId, size, after);
        var rows = await Scoped<AnnouncementQueries>(context).ListAsync(request.Caller, filter, context.CancellationToken);
        var response = new ListAnnouncementsResponse { Announcements = { rows.Take(size).Select(Contract) } };
        if (rows.Count > size)
        {
            response.NextPageToken = PageToken.Encode(rows[size - 1].AnnouncementId.ToString(CultureInfo.InvariantCulture));
        }
        return response;
    }

    [RequiresPermission(Permissions.AnnouncementsDraft)]
    public override async Task<EditAnnouncementResponse> EditAnnouncement(EditAnnouncementRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).Plan("spec", r.Spec, options.CurrentValue, time.GetUtcNow())
            .MaxLength("reason", r.Reason, AnnouncementLimits.Reason)
            .IdempotencyKey(r.IdempotencyKey)
            .ThrowIfAny();
        var order = new EditOrder(r.AnnouncementId, AnnouncementValidation.ToPlan(r.Spec), r.Reason);
        return await Scoped<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var changed = await Desk(context).EditAsync(order, ct);
            return new EditAnnouncementResponse { Announcement = Contract(changed.Announcement), WithdrawnGameServerIds = { changed.WithdrawnGameServerIds } };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnnouncementsPublish)]
    public override async Task<PublishAnnouncementResponse> PublishAnnouncement(PublishAnnouncementRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).MaxLength("reason", r.Reason, AnnouncementLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new DecisionOrder(r.AnnouncementId, r.Reason);
        return await Scoped<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
            new PublishAnnouncementResponse { Announcement = Contract(await Desk(context).PublishAsync(order, ct)) }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnnouncementsApprove)]
    public override async Task<ApproveAnnouncementResponse> ApproveAnnouncement(ApproveAnnouncementRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).MaxLength("reason", r.Reason, AnnouncementLimits.Reason).ThrowIfAny();
        var a = await Desk(context).ApproveAsync(new DecisionOrder(r.AnnouncementId, r.Reason), context.CancellationToken);
        return new ApproveAnnouncementResponse { Announcement = Contract(a) };
    }

    [RequiresPermission(Permissions.AnnouncementsApprove)]
    public override async Task<RejectAnnouncementResponse> RejectAnnouncement(RejectAnnouncementRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).RequiredMax("reason", r.Reason, AnnouncementLimits.Reason).ThrowIfAny();
        var a = await Desk(context).RejectAsync(new DecisionOrder(r.AnnouncementId, r.Reason), context.CancellationToken);
        return new RejectAnnouncementResponse { Announcement = Contract(a) };
    }

    [RequiresPermission(Permissions.AnnouncementsDraft)]
    public override async Task<CancelAnnouncementResponse> CancelAnnouncement(CancelAnnouncementRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).MaxLength("reason", r.Reason, AnnouncementLimits.Reason).IdempotencyKey(r.IdempotencyKey).ThrowIfAny();
        var order = new DecisionOrder(r.AnnouncementId, r.Reason);
        return await Scoped<IdempotentCalls>(context).RunAsync(context.Method, r.IdempotencyKey, r, async ct =>
        {
            var changed = await Desk(context).CancelAsync(order, ct);
            return new CancelAnnouncementResponse { Announcement = Contract(changed.Announcement), WithdrawnGameServerIds = { changed.WithdrawnGameServerIds } };
        }, context.CancellationToken);
    }

    [RequiresPermission(Permissions.AnnouncementsDraft)]
    public override async Task<PreviewAnnouncementResponse> PreviewAnnouncement(PreviewAnnouncementRequest r, ServerCallContext context)
    {
        var v = new Violations().Plan("spec", r.Spec, options.CurrentValue, time.GetUtcNow());
        if (r.From is not null && r.Until is not null && r.Until.ToDateTimeOffset() <= r.From.ToDateTimeOffset())
        {
            v.Add("until", "must be after from");
        }
        v.ThrowIfAny();
        var preview = await Desk(context).PreviewAsync(AnnouncementValidation.ToPlan(r.Spec), r.From?.ToDateTimeOffset(), r.Until?.ToDateTimeOffset(), context.CancellationToken);
        var plan = AnnouncementValidation.ToPlan(r.Spec);
        var shape = new Announcement
        {
            TextsJson = AnnouncementTexts.ToJson(plan.Texts),
            FinalTextsJson = AnnouncementTexts.ToJson(plan.FinalTexts),
            MaintenanceAt = plan.MaintenanceAt,
        };
        var response = new PreviewAnnouncementResponse { GameServerIds = { preview.GameServerIds }, NeedsApproval = preview.NeedsApproval, Truncated = preview.Truncated };
        foreach (var fire in preview.Fires)
        {
            var f = new PreviewFire { At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(fire.At) };
            f.Texts.Add(AnnouncementContracts.Texts(AnnouncementTexts.ForFire(shape, fire)));
            response.Fires.Add(f);
        }
        return response;
    }

    [RequiresPermission(Permissions.AnnouncementsRead)]
    public override async Task<ListAnnouncementReceiptsResponse> ListAnnouncementReceipts(ListAnnouncementReceiptsRequest r, ServerCallContext context)
    {
        Id(r.AnnouncementId).ThrowIfAny();
        var receipts = await Scoped<AnnouncementQueries>(context).ReceiptsAsync(request.Caller, r.AnnouncementId, context.CancellationToken);
        return new ListAnnouncementReceiptsResponse { Receipts = { receipts.Select(AnnouncementContracts.ToContract) } };
    }

    [RequiresPermission(Permissions.AnnouncementsActive)]
    public override async Task<ListActiveAnnouncementsResponse> ListActiveAnnouncements(ListActiveAnnouncementsRequest r, ServerCallContext context)
    {
        var v = new Violations().CheckGameServerId("game_server_id", r.GameServerId);
        if (!string.IsNullOrEmpty(r.Locale) && !AnnouncementTexts.IsLocale(r.Locale))
        {
            v.Add("locale", "must be a locale such as zh-CN or en");
        }
        v.ThrowIfAny();
        request.Caller.EnsureIsGameServer(r.GameServerId);
        var shows = await Scoped<AnnouncementQueries>(context).ActiveOnAsync(r.GameServerId, r.Locale, context.CancellationToken);
        return new ListActiveAnnouncementsResponse { Announcements = { shows.Select(AnnouncementContracts.ToContract) } };
    }

    private Contracts.V1.Announcement Contract(Announcement a) => AnnouncementContracts.ToContract(a, time.GetUtcNow(), options.CurrentValue.DefaultLocale);

    private static Violations Id(long id) => id > 0 ? new Violations() : new Violations().Add("announcement_id", "is required");

    private static AnnouncementDesk Desk(ServerCallContext context) => Scoped<AnnouncementDesk>(context);

    private static T Scoped<T>(ServerCallContext context) where T : notnull =>
        context.GetHttpContext().RequestServices.GetRequiredService<T>();
}
