using System.Text;
using GmTools.Contracts.V1;
using GmTools.Server.ChatWatch.Engine;
using GmTools.Server.GameServers;
using GmTools.Server.Infrastructure.Grpc;
using GmTools.Server.Players;

namespace GmTools.Server.ChatWatch;

/// <summary>Shape checks shared by the chat RPCs, and the proto → plain-data conversions.</summary>
public static class ChatValidation
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Checks one line; a bad line becomes a <see cref="RejectedLine"/> (the rest of the batch goes on).</summary>
    public static bool TryReadLine(ChatLineIn l, int index, out IncomingLine? line, out RejectedLine? rejected)
    {
        line = null;
        rejected = null;
        var f = $"lines[{index}]";
        RejectedLine Bad(string field, string reason) => new(index, $"{f}.{field}", reason);
        if (string.IsNullOrWhiteSpace(l.LineId) || l.LineId.Length > ChatLimits.LineId)
        {
            rejected = Bad("line_id", $"must be 1-{ChatLimits.LineId} characters");
            return false;
        }
        if (ChatContracts.ChannelName(l.Channel) is not { } channel)
        {
            rejected = Bad("channel", "is required: world, shout, guild or private");
            return false;
        }
        if (string.IsNullOrWhiteSpace(l.SenderPlayerId) || l.SenderPlayerId.Length > PlayerLimits.PlayerId)
        {
            rejected = Bad("sender_player_id", $"must be 1-{PlayerLimits.PlayerId} characters");
            return false;
        }
        if (l.RecipientPlayerId.Length > PlayerLimits.PlayerId)
        {
            rejected = Bad("recipient_player_id", $"must be at most {PlayerLimits.PlayerId} characters");
            return false;
        }
        if (channel == ChatChannels.Private && l.RecipientPlayerId.Length == 0)
        {
            rejected = Bad("recipient_player_id", "is required for a private message");
            return false;
        }
        if (l.SentAt is null)
        {
            rejected = Bad("sent_at", "is required");
            return false;
        }
        if (l.Text.Length > ChatLimits.TextBytes)
        {
            rejected = Bad("text", $"must be at most {ChatLimits.Text} characters");
            return false;
        }
        string text;
        try
        {
            text = StrictUtf8.GetString(l.Text.Span);
        }
        catch (DecoderFallbackException)
        {
            rejected = Bad("text", "is not valid UTF-8");
            return false;
        }
        if (text.Length == 0 || text.Length > ChatLimits.Text)
        {
            rejected = Bad("text", $"must be 1-{ChatLimits.Text} characters");
            return false;
        }
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            rejected = Bad("text", "must not contain NUL");
            return false;
        }
        line = new IncomingLine(index, l.LineId, channel, l.SenderPlayerId, l.RecipientPlayerId.Length == 0 ? null : l.RecipientPlayerId, text,
            l.SentAt.ToDateTimeOffset());
        return true;
    }

    public static Violations GameServer(this Violations v, string field, string value) =>
        v.RequiredMax(field, value, GameServerIds.MaxLength);

    /// <summary>Converts a proposed document; shape problems are added to <paramref name="v"/> (the engine checks the rest).</summary>
    public static ChatRulebook ToRulebook(this Violations v, string field, ChatRules? r)
    {
        if (r is null)
        {
            v.Add(field, "is required");
            return ChatRulebook.Starter();
        }
        var categories = new List<CategoryRule>();
        for (var i = 0; i < r.Categories.Count; i++)
        {
            var steps = EvasionSteps.All;
            foreach (var name in r.Categories[i].StepsOff)
            {
                if (ChatMatches.TryParseStep(name, out var step))
                {
                    steps &= ~step;
                }
                else
                {
                    v.Add($"{field}.categories[{i}].steps_off", $"'{name}' is not a normalization step");
                }
            }
            categories.Add(new CategoryRule(r.Categories[i].Name, steps));
        }
        var policies = new List<ChatPolicyRule>();
        for (var i = 0; i < r.Policies.Count; i++)
        {
            var p = r.Policies[i];
            if (p.Window is null)
            {
                v.Add($"{field}.policies[{i}].window", "is required");
            }
            policies.Add(new ChatPolicyRule(p.Name, p.Category, p.Lines, p.Window?.ToTimeSpan() ?? TimeSpan.Zero, p.SanctionKind, p.ReasonCode, p.Duration?.ToTimeSpan()));
        }
        return new ChatRulebook(
            new RuleDocument(
                categories,
                [.. r.Terms.Select(t => new TermRule(t.Text, t.Category, ChatContracts.TermMatchOf(t.Match)))],
                [.. r.Patterns.Select(p => new PatternRule(p.Name, p.Regex, p.Category))],
                [.. r.Allowlist]),
            new FloodRule(r.Flood?.MaxLines ?? 0, r.Flood?.Window?.ToTimeSpan() ?? TimeSpan.Zero),
            new WaveRule(r.Wave?.MinSenders ?? 0, r.Wave?.Window?.ToTimeSpan() ?? TimeSpan.Zero, r.Wave?.MinLength ?? 0),
            policies);
    }

    /// <summary>INVALID_ARGUMENT naming each problem the engine found, under <paramref name="field"/>.</summary>
    public static Grpc.Core.RpcException Refused(string field, RuleDocumentException e) =>
        GrpcErrors.InvalidArgument(e.Violations.Select(item => new Google.Rpc.BadRequest.Types.FieldViolation
        {
            Field = field.Length == 0 ? item.Field : $"{field}.{item.Field}",
            Description = item.Message,
        }).ToList());
}
