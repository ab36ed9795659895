using GmTools.Contracts.V1;
using GmTools.Server.Security;
using GmTools.Server.Tests.Infrastructure;
using GmTools.Server.Tests.Sanctions;
using Grpc.Core;
using Role = GmTools.Server.Security.Role;

namespace GmTools.Server.Tests.Foundation;

/// <summary>
/// Deadlocks and serialization failures are run again inside the server a bounded number of times
/// (<see cref="AccessInterceptor.MaxAttempts"/>), then answered ABORTED, never INTERNAL; a lost attempt leaves nothing.
/// The failure is real PostgreSQL's: a trigger raises SQLSTATE 40P01 / 40001 for the first N inserts, counted by a
/// sequence (which a rollback does not undo).
/// </summary>
public sealed class ConflictRetryTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private async Task LoseRacesAsync(string sqlState, int times)
    {
        await fx.ScalarAsync($"""
            DO $$ BEGIN
              DROP TRIGGER IF EXISTS lose_race ON player_notes;
              DROP SEQUENCE IF EXISTS lost_races;
              CREATE SEQUENCE lost_races;
              CREATE OR REPLACE FUNCTION lose_race() RETURNS trigger LANGUAGE plpgsql AS $f$
              BEGIN
                IF nextval('lost_races') <= {times} THEN RAISE EXCEPTION 'injected' USING ERRCODE = '{sqlState}'; END IF;
                RETURN NEW;
              END $f$;
              CREATE TRIGGER lose_race BEFORE INSERT ON player_notes FOR EACH ROW EXECUTE FUNCTION lose_race();
            END $$;
            SELECT 0
            """);
    }

    private Task<long> TriesAsync() => fx.ScalarAsync("SELECT last_value FROM lost_races");

    private Task<long> NotesAsync(string player) => fx.ScalarAsync("SELECT count(*) FROM player_notes WHERE player_id = @p", ("p", player));

    private PlayerService.PlayerServiceClient Agent => new(fx.StaffChannel("agent-race", Role.Agent));

    [Theory]
    [InlineData("40P01")]
    [InlineData("40001")]
    public async Task A_call_that_loses_a_race_is_run_again_and_succeeds_once(string sqlState)
    {
        var player = "p-race-" + sqlState;
        await fx.AddPlayerAsync(player, "race-gs");
        await LoseRacesAsync(sqlState, AccessInterceptor.MaxAttempts - 1);

        var note = await Agent.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = player, Kind = PlayerNoteKind.Other, Text = "called back" });

        Assert.Equal("called back", note.Note.Text);
        Assert.Equal(AccessInterceptor.MaxAttempts, await TriesAsync());
        Assert.Equal(1, await NotesAsync(player));
        Assert.Equal(1, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE action LIKE 'player.note%' AND player_id = @p", ("p", player)));
    }

    [Fact]
    public async Task A_call_that_keeps_losing_is_aborted_after_the_bound_and_writes_nothing()
    {
        await fx.AddPlayerAsync("p-race-lost", "race-gs");
        await LoseRacesAsync("40P01", 1000);

        await SanctionsKit.RefusedAsync(() => Agent.AddPlayerNoteAsync(new AddPlayerNoteRequest { PlayerId = "p-race-lost", Kind = PlayerNoteKind.Other, Text = "x" }).ResponseAsync, StatusCode.Aborted);

        Assert.Equal(AccessInterceptor.MaxAttempts, await TriesAsync());
        Assert.Equal(0, await NotesAsync("p-race-lost"));
        Assert.Equal(0, await fx.ScalarAsync("SELECT count(*) FROM audit_records WHERE player_id = 'p-race-lost'"));
        await fx.ScalarAsync("DROP TRIGGER lose_race ON player_notes; SELECT 0");
    }
}
