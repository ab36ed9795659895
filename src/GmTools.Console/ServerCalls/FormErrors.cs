using Google.Rpc;
using Microsoft.AspNetCore.Components.Forms;

namespace GmTools.Console.ServerCalls;

/// <summary>
/// Marks a form's fields with the server's field violations (google.rpc.BadRequest). The map names, for
/// each request field path the server may report, the model property that edits it; a form with rows
/// (a grant's lines) adds a resolver for paths such as "lines[1].count".
/// </summary>
public sealed class FormErrors(EditContext context, IReadOnlyDictionary<string, string> fieldToProperty, Func<string, FieldIdentifier?>? resolve = null)
{
    private readonly ValidationMessageStore _store = Cleared(context, new ValidationMessageStore(context));

    /// <summary>A new submission asks the server again: its last answer must not keep the form invalid.</summary>
    private static ValidationMessageStore Cleared(EditContext context, ValidationMessageStore store)
    {
        context.OnValidationRequested += (_, _) => store.Clear();
        return store;
    }

    public IReadOnlyList<BadRequest.Types.FieldViolation> Unmapped { get; private set; } = [];

    public void Clear()
    {
        _store.Clear();
        Unmapped = [];
        context.NotifyValidationStateChanged();
    }

    /// <summary>Drops the server's marks and validates again, so a corrected (or simply retried) form may be sent.</summary>
    public bool ClearAndValidate()
    {
        Clear();
        return context.Validate();
    }

    public void Show(ServerError error)
    {
        _store.Clear();
        var unmapped = new List<BadRequest.Types.FieldViolation>();
        foreach (var violation in error.Violations)
        {
            if ((resolve?.Invoke(violation.Field) ?? Lookup(violation.Field)) is { } field)
            {
                _store.Add(field, violation.Description);
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
    private FieldIdentifier? Lookup(string field)
    {
        for (var path = field; path.Length > 0; path = path.Contains('.', StringComparison.Ordinal) ? path[..path.LastIndexOf('.')] : "")
        {
            if (fieldToProperty.TryGetValue(path, out var property))
            {
                return context.Field(property);
            }
        }
        return null;
    }
}
