using Google.Rpc;

namespace GmTools.Server.Infrastructure.Grpc;

/// <summary>
/// Collects everything wrong with a request so the caller learns about all bad fields at once,
/// then throws one INVALID_ARGUMENT carrying google.rpc.BadRequest field violations.
/// </summary>
public sealed class Violations
{
    private readonly List<BadRequest.Types.FieldViolation> _items = [];

    public bool Any => _items.Count > 0;

    public Violations Add(string field, string description)
    {
        _items.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return this;
    }

    public Violations Required(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required");
        }
        return this;
    }

    public Violations MaxLength(string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            Add(field, $"must be at most {max} characters");
        }
        return this;
    }

    public Violations RequiredMax(string field, string? value, int max) => Required(field, value).MaxLength(field, value, max);

    public void ThrowIfAny()
    {
        if (_items.Count > 0)
        {
            throw GrpcErrors.InvalidArgument(_items);
        }
    }
}
