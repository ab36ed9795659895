using GmTools.Server.Security;

namespace GmTools.Server.Cases;

/// <summary>
/// "What is beyond one's authority goes up level by level" for decisions another capability refuses (a ban lift
/// the caller may not make): the refused call rolls its own transaction back, so the escalation is written through
/// a fresh scope — its own DbContext and transaction, the same caller — and stays when the refusal is thrown.
/// </summary>
public sealed class CaseDecisionEscalation(IServiceScopeFactory scopes, RequestContext request)
{
    /// <returns>The level the case is at afterwards (the one that decides it).</returns>
    public async Task<string> EscalateRefusedAsync(long caseId, string permission, string why, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<RequestContext>();
        context.Caller = request.Caller;
        context.RequestId = request.RequestId;
        return await scope.ServiceProvider.GetRequiredService<CaseDesk>().RaiseAboveCallerAsync(caseId, permission, why, ct);
    }
}
