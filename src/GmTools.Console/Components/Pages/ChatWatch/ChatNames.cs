using GmTools.Console.Localization;
using Microsoft.Extensions.Localization;

namespace GmTools.Console.Components.Pages.ChatWatch;

/// <summary>How the chat pages name the server's chat words: channels, matches, and what a mute from a chat line proposes.</summary>
public static class ChatNames
{
    public static string Channel(ChatChannel channel) => channel switch
    {
        ChatChannel.World => "world",
        ChatChannel.Shout => "shout",
        ChatChannel.Guild => "guild",
        ChatChannel.Private => "private",
        _ => "",
    };

    /// <summary>"ads · pinyin · 加微信 (width, separators)": what hit, by which rule, through which evasion steps.</summary>
    public static string Describe(ChatMatch m, IStringLocalizer<Texts> l)
    {
        var text = $"{l.Text(ServerCodes.ChatCategory, m.Category)} · {m.Rule}";
        if (m.Term.Length > 0)
        {
            text += $" · {m.Term}";
        }
        if (m.Steps.Count > 0)
        {
            text += $" ({string.Join(", ", m.Steps.Select(s => l.Text(ServerCodes.EvasionStep, s)))})";
        }
        return text;
    }

    /// <summary>The reason code a mute for these categories proposes (the GM may pick another): selling and contact data are gold selling.</summary>
    public static string ReasonCodeFor(IReadOnlyCollection<string> categories) =>
        categories.Any(c => c is "ads" or "contact") ? "gold_selling" : "chat_abuse";

    /// <summary>The mute's prefilled reason: the categories that hit and the first flagged line, quoted and cut to fit.</summary>
    public static string MuteReason(IStringLocalizer<Texts> l, IReadOnlyCollection<string> categories, string quoted)
    {
        const int MaxQuote = 200;
        var quote = quoted.Length > MaxQuote ? quoted[..MaxQuote] + "…" : quoted;
        var hit = categories.Count > 0 ? string.Join(", ", categories.Select(c => l.Text(ServerCodes.ChatCategory, c))) : l["Chat_Unflagged"].Value;
        return l["Chat_MuteReason", hit, quote].Value;
    }
}
