using System.Globalization;
using System.Text.Json;
using GmTools.Contracts.V1;
using GmTools.Server.ChatWatch.Engine;
using Google.Protobuf.WellKnownTypes;

namespace GmTools.Server.ChatWatch;

/// <summary>Entities and engine results → contract messages, and the contract's enums ↔ stored names.</summary>
public static class ChatContracts
{
    public static string? ChannelName(ChatChannel c) => c switch
    {
        ChatChannel.World => ChatChannels.World,
        ChatChannel.Shout => ChatChannels.Shout,
        ChatChannel.Guild => ChatChannels.Guild,
        ChatChannel.Private => ChatChannels.Private,
        _ => null,
    };

    public static ChatChannel Channel(string name) => name switch
    {
        ChatChannels.World => ChatChannel.World,
        ChatChannels.Shout => ChatChannel.Shout,
        ChatChannels.Guild => ChatChannel.Guild,
        ChatChannels.Private => ChatChannel.Private,
        _ => ChatChannel.Unspecified,
    };

    public static ChatMatch ToContract(RuleMatch m, string text) => new()
    {
        Category = m.Category,
        Rule = m.Rule,
        Term = ChatIngestDesk.TermOf(m, text),
        Steps = { ChatMatches.StepNames(m.Steps) },
        Start = m.Start,
        Length = m.Length,
    };

    public static ChatLine ToContract(ScoredLine s) => new()
    {
        LineId = s.Line.LineId,
        GameServerId = s.GameServerId,
        Channel = Channel(s.Line.Channel),
        SenderPlayerId = s.Line.SenderPlayerId,
        RecipientPlayerId = s.Line.RecipientPlayerId ?? "",
        Text = s.Line.Text,
        SentAt = Timestamp.FromDateTimeOffset(s.Line.SentAt),
        Matches = { s.Matches.Select(m => ToContract(m, s.Line.Text)) },
    };

    public static ChatLine ToContract(ChatFlag f) => new()
    {
        LineId = f.LineId,
        GameServerId = f.GameServerId,
        Channel = Channel(f.Channel),
        SenderPlayerId = f.SenderPlayerId,
        RecipientPlayerId = f.RecipientPlayerId ?? "",
        Text = f.Text,
        SentAt = Timestamp.FromDateTimeOffset(f.SentAt),
        Matches =
        {
            (JsonSerializer.Deserialize<StoredMatch[]>(f.Matches) ?? []).Select(m => new ChatMatch
            {
                Category = m.Category, Rule = m.Rule, Term = m.Term, Steps = { m.Steps }, Start = m.Start, Length = m.Length,
            }),
        },
    };

    public static ChatReview ToReview(ChatFlag f) => new()
    {
        ReviewId = f.FlagId.ToString(CultureInfo.InvariantCulture),
        Line = ToContract(f),
        State = f.State,
        ClaimedBy = f.ClaimedBy ?? "",
        FlaggedAt = Timestamp.FromDateTimeOffset(f.FlaggedAt),
        DecidedBy = f.DecidedBy ?? "",
        SanctionId = f.SanctionId?.ToString(CultureInfo.InvariantCulture) ?? "",
    };

    public static Contracts.V1.ChatRuleVersion ToContract(ChatRuleVersionEntity v) => new()
    {
        Version = v.Version,
        Source = v.Source,
        CreatedBy = v.CreatedBy,
        CreatedAt = Timestamp.FromDateTimeOffset(v.CreatedAt),
        Note = v.Note,
        TermCount = v.TermCount,
        BasedOn = v.BasedOn ?? 0,
    };

    public static ChatRules ToContract(ChatRulebook book) => new()
    {
        Categories =
        {
            book.Rules.Categories.Select(c => new ChatCategory
            {
                Name = c.Name,
                StepsOff = { ChatMatches.StepNames(EvasionSteps.All & ~c.Steps) },
            }),
        },
        Terms = { book.Rules.Terms.Select(t => new ChatTerm { Text = t.Text, Category = t.Category, Match = TermMatchOf(t.Match) }) },
        Patterns = { book.Rules.Patterns.Select(p => new ChatPattern { Name = p.Name, Regex = p.Regex, Category = p.Category }) },
        Allowlist = { book.Rules.Allowlist },
        Policies =
        {
            book.Policies.Select(p => new ChatPolicy
            {
                Name = p.Name,
                Category = p.Category,
                Lines = p.Lines,
                Window = Duration.FromTimeSpan(p.Window),
                SanctionKind = p.SanctionKind,
                ReasonCode = p.ReasonCode,
                Duration = p.Duration is { } d ? Duration.FromTimeSpan(d) : null,
            }),
        },
        Flood = new ChatFloodRule { MaxLines = book.Flood.MaxLines, Window = Duration.FromTimeSpan(book.Flood.Window) },
        Wave = new ChatWaveRule { MinSenders = book.Wave.MinSenders, Window = Duration.FromTimeSpan(book.Wave.Window), MinLength = book.Wave.MinLength },
    };

    private static ChatTermMatch TermMatchOf(TermMatch m) => m switch
    {
        TermMatch.Anywhere => ChatTermMatch.Anywhere,
        TermMatch.WordStart => ChatTermMatch.WordStart,
        TermMatch.WholeWord => ChatTermMatch.WholeWord,
        _ => ChatTermMatch.Unspecified,
    };

    public static TermMatch TermMatchOf(ChatTermMatch m) => m switch
    {
        ChatTermMatch.Anywhere => TermMatch.Anywhere,
        ChatTermMatch.WordStart => TermMatch.WordStart,
        ChatTermMatch.WholeWord => TermMatch.WholeWord,
        _ => TermMatch.Auto,
    };
}
