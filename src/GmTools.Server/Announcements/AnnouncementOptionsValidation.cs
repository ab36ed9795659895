using Microsoft.Extensions.Options;

namespace GmTools.Server.Announcements;

/// <summary>Rules spanning fields: the intervals must be positive and the grace longer than a poll.</summary>
public sealed class AnnouncementOptionsValidation : IValidateOptions<AnnouncementOptions>
{
    public ValidateOptionsResult Validate(string? name, AnnouncementOptions o)
    {
        var errors = new List<string>();
        if (o.MinRepeatInterval <= TimeSpan.Zero)
        {
            errors.Add("MinRepeatInterval must be positive");
        }
        if (o.PollInterval <= TimeSpan.Zero)
        {
            errors.Add("PollInterval must be positive");
        }
        if (o.CountdownGrace < o.PollInterval)
        {
            errors.Add("CountdownGrace must be at least PollInterval, or a countdown step could be skipped with every replica up");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
