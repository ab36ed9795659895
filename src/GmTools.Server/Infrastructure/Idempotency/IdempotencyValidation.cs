using GmTools.Server.Infrastructure.Grpc;

namespace GmTools.Server.Infrastructure.Idempotency;

public static class IdempotencyValidation
{
    /// <summary>Optional (empty: no replay protection); otherwise 1..128 printable characters.</summary>
    public static Violations IdempotencyKey(this Violations v, string? value, string field = IdempotentCalls.KeyField)
    {
        if (string.IsNullOrEmpty(value))
        {
            return v;
        }
        if (value.Length > IdempotencyRecord.KeyMax)
        {
            return v.Add(field, $"must be at most {IdempotencyRecord.KeyMax} characters");
        }
        return value.Any(char.IsControl) || string.IsNullOrWhiteSpace(value) ? v.Add(field, "must be printable characters") : v;
    }
}
