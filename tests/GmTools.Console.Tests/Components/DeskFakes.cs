using GmTools.Console.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GmTools.Console.Tests.Components;

/// <summary>The desk's permissions per role as the server's table has them (VIP care, duty roster, anomalies, cases).</summary>
public static class DeskPermissions
{
    private static readonly string[] ViewerDesk = [Perm.CasesRead, Perm.AnomaliesRead];
    private static readonly string[] AgentDesk = [.. ViewerDesk, Perm.CasesOpen, Perm.CasesWork, Perm.CasesAdjustRecharge, Perm.CasesRate, Perm.StaffingDuty, Perm.VipWork];
    private static readonly string[] GmDesk = [.. ViewerDesk, Perm.CasesOpen, Perm.CasesWork, Perm.CasesAdjustRecharge, Perm.CasesRate, Perm.AnomaliesReview];

    public static readonly string[] Viewer = [.. ComponentTest.ViewerPermissions, .. ViewerDesk];
    public static readonly string[] Agent = [.. ComponentTest.AgentPermissions, .. AgentDesk];
    public static readonly string[] Gm = [.. ComponentTest.GmPermissions, .. GmDesk];
    public static readonly string[] Supervisor =
        [.. ComponentTest.SupervisorPermissions, .. AgentDesk, .. GmDesk, Perm.CasesAssign, Perm.CasesApproveRecharge, Perm.StaffingRead, Perm.VipSupervise];
}

public sealed class FakeVipCare : VipCareService.VipCareServiceClient
{
    public List<Visit> Visits { get; } = [];

    public List<RecordVisitOutcomeRequest> Recorded { get; } = [];

    public Queue<Func<RecordVisitOutcomeRequest, AsyncUnaryCall<RecordVisitOutcomeResponse>>> Answers { get; } = new();

    public List<ClaimVisitRequest> Claims { get; } = [];

    public List<GetVisitReportRequest> Reports { get; } = [];

    /// <summary>Where a miss moves the visit (the player's best band).</summary>
    public DateTimeOffset NextBand { get; set; } = new(2026, 12, 3, 11, 0, 0, TimeSpan.Zero);

    public override AsyncUnaryCall<ListMyVisitsResponse> ListMyVisitsAsync(ListMyVisitsRequest request, CallOptions options) =>
        Calls.Ok(new ListMyVisitsResponse { Visits = { Visits.Where(v => request.IncludeUnassigned || v.Assignee.Length > 0) } });

    public override AsyncUnaryCall<ClaimVisitResponse> ClaimVisitAsync(ClaimVisitRequest request, CallOptions options)
    {
        Claims.Add(request);
        var visit = Visits.First(v => v.VisitId == request.VisitId);
        visit.State = VisitState.Claimed;
        visit.ClaimedBy = "agent.tester";
        visit.Assignee = "agent.tester";
        return Calls.Ok(new ClaimVisitResponse { Visit = visit.Clone() });
    }

    public override AsyncUnaryCall<RecordVisitOutcomeResponse> RecordVisitOutcomeAsync(RecordVisitOutcomeRequest request, CallOptions options)
    {
        Recorded.Add(request.Clone());
        if (Answers.Count > 0)
        {
            return Answers.Dequeue()(request);
        }
        var visit = Visits.First(v => v.VisitId == request.VisitId);
        visit.Attempts++;
        visit.LastOutcome = request.Outcome;
        if (request.Outcome == VisitOutcome.NotReached)
        {
            visit.Misses++;
            visit.State = VisitState.Open;
            visit.DueAt = Timestamp.FromDateTimeOffset(NextBand);
        }
        else if (request.Outcome == VisitOutcome.Reached)
        {
            visit.State = VisitState.Done;
        }
        return Calls.Ok(new RecordVisitOutcomeResponse
        {
            Visit = visit.Clone(),
            Attempt = new VisitAttempt { Outcome = request.Outcome, CallBackAt = request.CallBackAt, Agent = "agent.tester" },
        });
    }

    public override AsyncUnaryCall<GetVisitReportResponse> GetVisitReportAsync(GetVisitReportRequest request, CallOptions options)
    {
        Reports.Add(request);
        return Calls.Ok(new GetVisitReportResponse
        {
            Rows =
            {
                new VisitReportRow { Key = request.GroupBy == VisitReportGrouping.Week ? "2026-11-23" : "amy.agent", Completed = 8, CompletedOnTime = 6, OnTimeRate = 0.75, Attempts = 12, Reached = 8, ReachRate = 2 / 3.0, AverageSatisfaction = 4.5, Rated = 6 },
            },
        });
    }

    public override AsyncUnaryCall<GetReachRatesResponse> GetReachRatesAsync(GetReachRatesRequest request, CallOptions options) =>
        Calls.Ok(new GetReachRatesResponse { TimeZone = "+08:00", Bands = { new ReachBand { Band = "19-21", Attempts = 10, Reached = 8, ReachRate = 0.8 } } });

    public static Visit Open(long id, string assignee, DateTimeOffset due, bool overdue = false) => new()
    {
        VisitId = id,
        PlayerId = $"p{id}",
        GameServerId = "s1",
        Tier = "gold",
        Reason = VisitReason.Welcome,
        State = VisitState.Open,
        Assignee = assignee,
        DueAt = Timestamp.FromDateTimeOffset(due),
        Overdue = overdue,
    };
}

public sealed class FakeCases : CaseService.CaseServiceClient
{
    public List<PlayerCase> Cases { get; } = [];

    public List<ListCasesRequest> Listed { get; } = [];

    public List<OpenCaseRequest> Opened { get; } = [];

    public Queue<Func<OpenCaseRequest, AsyncUnaryCall<OpenCaseResponse>>> OpenAnswers { get; } = new();

    public override AsyncUnaryCall<ListCaseKindsResponse> ListCaseKindsAsync(ListCaseKindsRequest request, CallOptions options) =>
        Calls.Ok(new ListCaseKindsResponse
        {
            Kinds =
            {
                new CaseKind { Name = "complaint", RequiredFields = { "account", "game_server_id" } },
                new CaseKind { Name = "recharge", RequiredFields = { "account", "game_server_id", "payment_channel", "order_reference", "amount", "currency", "payment_time" } },
            },
            EscalationLevels = { new EscalationLevel { Name = "agent", DecidedBy = Role.Agent }, new EscalationLevel { Name = "supervisor", DecidedBy = Role.Supervisor } },
        });

    public override AsyncUnaryCall<ListCasesResponse> ListCasesAsync(ListCasesRequest request, CallOptions options)
    {
        Listed.Add(request);
        return Calls.Ok(new ListCasesResponse
        {
            Cases = { Cases.Where(c => (request.Assignee.Length == 0 || c.Assignee == request.Assignee) && (!request.UnassignedOnly || c.Assignee.Length == 0)) },
        });
    }

    public override AsyncUnaryCall<OpenCaseResponse> OpenCaseAsync(OpenCaseRequest request, CallOptions options)
    {
        Opened.Add(request.Clone());
        return OpenAnswers.Count > 0
            ? OpenAnswers.Dequeue()(request)
            : Calls.Ok(new OpenCaseResponse { Case = new PlayerCase { CaseId = 40 + Opened.Count, PlayerId = request.PlayerId, Kind = request.Kind, State = CaseState.New } });
    }

    public static PlayerCase Case(long id, string assignee, DateTimeOffset firstResponseDue, bool breached = false, CaseState state = CaseState.New) => new()
    {
        CaseId = id,
        PlayerId = $"p{id}",
        GameServerId = "s1",
        Kind = "complaint",
        Priority = CasePriority.Normal,
        State = state,
        Summary = $"case {id}",
        Assignee = assignee,
        EscalationLevel = "agent",
        OpenedAt = Timestamp.FromDateTimeOffset(firstResponseDue.AddDays(-3)),
        FirstResponseDue = Timestamp.FromDateTimeOffset(firstResponseDue),
        ResolutionDue = Timestamp.FromDateTimeOffset(firstResponseDue.AddDays(2)),
        FirstResponseBreachedAt = breached ? Timestamp.FromDateTimeOffset(firstResponseDue) : null,
    };
}

public sealed class FakeAnomalies : AnomalyService.AnomalyServiceClient
{
    public AnomalyCase Case { get; set; } = new()
    {
        CaseId = 9, PlayerId = "p9", GameServerId = "s1", Kind = "speed_hack", Severity = AnomalySeverity.High, State = AnomalyCaseState.Open,
        Trigger = "3 within 00:10:00 (high+)", ReportCount = 3,
    };

    public List<ConfirmAnomalyCaseRequest> Confirmed { get; } = [];

    public List<DismissAnomalyCaseRequest> Dismissed { get; } = [];

    public override AsyncUnaryCall<GetAnomalyCaseResponse> GetAnomalyCaseAsync(GetAnomalyCaseRequest request, CallOptions options) =>
        Calls.Ok(new GetAnomalyCaseResponse
        {
            Case = Case.Clone(),
            ProposedBan = Duration.FromTimeSpan(TimeSpan.FromDays(7)),
            Reports = { new AnomalyReport { AnomalyId = 1, PlayerId = "p9", Kind = "speed_hack", Severity = AnomalySeverity.High, Summary = "移动速度 3 倍", EvidenceJson = "{\"speed\":3.1}", RelatedPlayerIds = { "p10" } } },
            LinkedPlayers = { new AnomalyLinkedPlayer { PlayerId = "p10" } },
        });

    public override AsyncUnaryCall<ConfirmAnomalyCaseResponse> ConfirmAnomalyCaseAsync(ConfirmAnomalyCaseRequest request, CallOptions options)
    {
        Confirmed.Add(request.Clone());
        Case.State = AnomalyCaseState.Confirmed;
        Case.SanctionId = 77;
        return Calls.Ok(new ConfirmAnomalyCaseResponse { Case = Case.Clone(), Sanction = new Sanction { SanctionId = 77 } });
    }

    public override AsyncUnaryCall<DismissAnomalyCaseResponse> DismissAnomalyCaseAsync(DismissAnomalyCaseRequest request, CallOptions options)
    {
        Dismissed.Add(request.Clone());
        Case.State = AnomalyCaseState.Dismissed;
        return Calls.Ok(new DismissAnomalyCaseResponse { Case = Case.Clone() });
    }
}
