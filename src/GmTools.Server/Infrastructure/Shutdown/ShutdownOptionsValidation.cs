using Microsoft.Extensions.Options;

namespace GmTools.Server.Infrastructure.Shutdown;

public sealed class ShutdownOptionsValidation : IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
        options.Timeout > options.DrainTimeout
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{ShutdownOptions.Section}:Timeout ({options.Timeout}) must be longer than DrainTimeout ({options.DrainTimeout}): the drain is part of the stop");
}
