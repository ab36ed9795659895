using GmTools.Contracts.V1;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;

namespace GmTools.Server.GameLink;

/// <summary>
/// The one way every capability sends a command to a game server. Enqueue adds the row to the caller's
/// DbContext, so it is written by the caller's SaveChanges inside the caller's transaction: the change and
/// its command commit together or not at all. Delivery (push, ack, redelivery) is GameLink's business.
/// </summary>
public sealed class CommandOutbox(TimeProvider time)
{
    public OutboxCommand Enqueue(DbContext db, string gameServerId, GameCommand command, string? correlationId = null, DateTimeOffset? expiresAt = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(gameServerId);
        if (command.BodyCase == GameCommand.BodyOneofCase.None)
        {
            throw new ArgumentException("a command needs a body", nameof(command));
        }
        var body = BodyOf(command);
        var row = new OutboxCommand
        {
            GameServerId = gameServerId,
            Kind = KindOf(command),
            Body = body.ToByteArray(),
            CorrelationId = correlationId,
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        db.Add(row);
        return row;
    }

    /// <summary>The command as stored: without its id and times (those come from the row).</summary>
    public static GameCommand BodyOf(GameCommand command)
    {
        var body = command.Clone();
        body.CommandId = 0;
        body.IssuedAt = null;
        body.ExpiresAt = null;
        return body;
    }

    /// <summary>
    /// Commands a capability may take back after enqueueing them (<see cref="CommandWithdrawals"/>). Only these pay
    /// for a durable sent mark before they go out; a kick or a mute is never taken back, so it never waits for one.
    /// </summary>
    public static bool IsWithdrawable(GameCommand command) => command.BodyCase is GameCommand.BodyOneofCase.MailReward;

    public static string KindOf(GameCommand command) => command.BodyCase switch
    {
        GameCommand.BodyOneofCase.Kick => "kick",
        GameCommand.BodyOneofCase.Mute => "mute",
        GameCommand.BodyOneofCase.Unmute => "unmute",
        GameCommand.BodyOneofCase.Ban => "ban",
        GameCommand.BodyOneofCase.Unban => "unban",
        GameCommand.BodyOneofCase.MailReward => "mail_reward",
        GameCommand.BodyOneofCase.ClawBack => "claw_back",
        GameCommand.BodyOneofCase.ShowAnnouncement => "show_announcement",
        GameCommand.BodyOneofCase.CancelAnnouncement => "cancel_announcement",
        GameCommand.BodyOneofCase.CreditRecharge => "credit_recharge",
        _ => "unknown",
    };
}
