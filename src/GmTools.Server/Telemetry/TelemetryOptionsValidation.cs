using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Telemetry;

/// <summary>The nested sections' own annotations (ValidateDataAnnotations checks only the top level).</summary>
public sealed class TelemetryOptionsValidation : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var failures = new List<string>();
        Check(options.Prometheus, "Prometheus", failures);
        Check(options.Otlp, "Otlp", failures);
        if (options.Otlp.Endpoint is { } endpoint && (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https")))
        {
            failures.Add($"{TelemetryOptions.Section}:Otlp:Endpoint must be an absolute http(s) address");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(object section, string key, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(section, new ValidationContext(section), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{TelemetryOptions.Section}:{key}: {r.ErrorMessage}"));
        }
    }
}
