using System.ComponentModel.DataAnnotations;
using GmTools.Console.Localization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Localization;

namespace GmTools.Console.Components.Widgets;

/// <summary>
/// DataAnnotations validation whose messages are resource keys ("Validation_Required"), shown in the staff
/// member's language. Cross-field rules come from <see cref="IValidatableObject"/>.
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
        _context.OnFieldChanged += (_, e) => ValidateAll(e.FieldIdentifier.FieldName);
    }

    private void ValidateAll(string? onlyField = null)
    {
        var model = _context!.Model;
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(model, new ValidationContext(model), results, validateAllProperties: true);
        if (onlyField is null)
        {
            _store!.Clear();
        }
        else
        {
            _store!.Clear(_context.Field(onlyField));
        }
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                if (onlyField is null || member == onlyField)
                {
                    _store.Add(_context.Field(member), Text(result.ErrorMessage));
                }
            }
        }
        _context.NotifyValidationStateChanged();
    }

    private string Text(string? key) => key is null ? "" : L[key].ResourceNotFound ? key : L[key].Value;

    public void Dispose() => _store?.Clear();
}
