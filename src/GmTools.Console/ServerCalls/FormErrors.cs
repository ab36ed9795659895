using Google.Rpc;
using Microsoft.AspNetCore.Components.Forms;

namespace GmTools.Console.ServerCalls;

/// <summary>
/// Marks a form's fields with the server's field violations (google.rpc.BadRequest). The map names, for
/// each request field path the server may report, the model property that edits it.
/// </summary>
public sealed class FormErrors(EditContext context, IReadOnlyDictionary<string, string> fieldToProperty)
{
    private readonly ValidationMessageStore _store = new(context);

    public IReadOnlyList<BadRequest.Types.FieldViolation> Unmapped { get; private set; } = [];

    public void Clear()
    {
        _store.Clear();
        Unmapped = [];
        context.NotifyValidationStateChanged();
    }

    public void Show(ServerError error)
    {
        _store.Clear();
        var unmapped = new List<BadRequest.Types.FieldViolation>();
        foreach (var violation in error.Violations)
        {
            if (Lookup(violation.Field) is { } property)
            {
                _store.Add(context.Field(property), violation.Description);
            }
            else
            {
                unmapped.Add(violation);
            }
        }
        Unmapped = unmapped;
        context.NotifyValidationStateChanged();
    }

    /// <summary>The most specific mapped prefix wins: "end.duration" falls back to "end".</summary>
    private string? Lookup(string field)
    {
        for (var path = field; path.Length > 0; path = path.Contains('.', StringComparison.Ordinal) ? path[..path.LastIndexOf('.')] : "")
        {
            if (fieldToProperty.TryGetValue(path, out var property))
            {
                return property;
            }
        }
        return null;
    }
}
