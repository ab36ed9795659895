using System.ComponentModel.DataAnnotations;
using GmTools.Console.Localization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Localization;

namespace GmTools.Console.Components.Widgets;

/// <summary>A form model made of rows (a grant's lines): each row is validated too, its messages on its own fields.</summary>
public interface IHasFormRows
{
    IEnumerable<object> Rows { get; }
}

/// <summary>
/// DataAnnotations validation whose messages are resource keys ("Validation_Required"), shown in the staff
/// member's language. Cross-field rules come from <see cref="IValidatableObject"/>; rows of an
/// <see cref="IHasFormRows"/> model are validated as models of their own.
/// </summary>
public sealed class LocalizedValidator : ComponentBase, IDisposable
{
    private ValidationMessageStore? _store;
    private EditContext? _context;

    [CascadingParameter]
    private EditContext? CurrentEditContext { get; set; }

    [Inject]
    private IStringLocalizer<Texts> L { get; set; } = default!;

    protected override void OnInitialized()
    {
        _context = CurrentEditContext ?? throw new InvalidOperationException($"{nameof(LocalizedValidator)} must be inside an EditForm");
        _store = new ValidationMessageStore(_context);
        _context.OnValidationRequested += (_, _) => ValidateAll();
        _context.OnFieldChanged += (_, e) => ValidateAll(e.FieldIdentifier);
    }

    private void ValidateAll(FieldIdentifier? onlyField = null)
    {
        var model = _context!.Model;
        var messages = new List<(FieldIdentifier Field, string? Key)>();
        Collect(model, messages);
        if (model is IHasFormRows rows)
        {
            foreach (var row in rows.Rows)
            {
                Collect(row, messages);
            }
        }
        if (onlyField is { } only)
        {
            _store!.Clear(only);
        }
        else
        {
            _store!.Clear();
        }
        foreach (var (field, key) in messages)
        {
            if (onlyField is null || field.Equals(onlyField.Value))
            {
                _store.Add(field, Text(key));
            }
        }
        _context.NotifyValidationStateChanged();
    }

    private static void Collect(object model, List<(FieldIdentifier, string?)> messages)
    {
        var context = new ValidationContext(model);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(model, context, results, validateAllProperties: true);
        // The validator skips IValidatableObject while any attribute fails: run the cross-field rules anyway,
        // so one submit shows every problem at once (no lines AND no reason).
        if (model is IValidatableObject validatable)
        {
            results.AddRange(validatable.Validate(context).Where(r => !results.Any(x => x.ErrorMessage == r.ErrorMessage && x.MemberNames.SequenceEqual(r.MemberNames))));
        }
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                messages.Add((new FieldIdentifier(model, member), result.ErrorMessage));
            }
        }
    }

    private string Text(string? key) => key is null ? "" : L[key].ResourceNotFound ? key : L[key].Value;

    public void Dispose() => _store?.Clear();
}
