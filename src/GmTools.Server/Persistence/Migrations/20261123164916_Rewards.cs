using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Rewards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "campaign_recipients",
                columns: table => new
                {
                    campaign_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    command_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaign_recipients", x => new { x.campaign_id, x.player_id });
                });

            migrationBuilder.CreateTable(
                name: "campaign_uploaded_players",
                columns: table => new
                {
                    campaign_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaign_uploaded_players", x => new { x.campaign_id, x.player_id });
                });

            migrationBuilder.CreateTable(
                name: "campaigns",
                columns: table => new
                {
                    campaign_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    creator = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    state = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    lines = table.Column<string>(type: "jsonb", nullable: false),
                    value_per_player = table.Column<long>(type: "bigint", nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    ticket_ref = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    mail_title = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    mail_body = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    target_kind = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    target_game_servers = table.Column<string[]>(type: "text[]", nullable: false),
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    window_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    uploaded_players = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    cursor = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    expanded_count = table.Column<long>(type: "bigint", nullable: false),
                    expanded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cancelled_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    cancelled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    cancel_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaigns", x => x.campaign_id);
                });

            migrationBuilder.CreateTable(
                name: "grants",
                columns: table => new
                {
                    grant_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    requester = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    idempotency_key = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    request_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    state = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    lines = table.Column<string>(type: "jsonb", nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    ticket_ref = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    mail_title = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    mail_body = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    total_value = table.Column<long>(type: "bigint", nullable: false),
                    within_own_limit = table.Column<bool>(type: "boolean", nullable: false),
                    approval_reason = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    revoked_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    revoke_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grants", x => x.grant_id);
                });

            migrationBuilder.CreateTable(
                name: "reward_catalogue",
                columns: table => new
                {
                    item_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    unit_value = table.Column<long>(type: "bigint", nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reward_catalogue", x => x.item_id);
                });

            migrationBuilder.CreateTable(
                name: "grant_recipients",
                columns: table => new
                {
                    grant_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_grant_recipients", x => new { x.grant_id, x.player_id });
                    table.ForeignKey(
                        name: "fk_grant_recipients_grants_grant_id",
                        column: x => x.grant_id,
                        principalTable: "grants",
                        principalColumn: "grant_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_grant_recipients_player_id_grant_id",
                table: "grant_recipients",
                columns: new[] { "player_id", "grant_id" });

            migrationBuilder.CreateIndex(
                name: "ix_grants_requester_created_at",
                table: "grants",
                columns: new[] { "requester", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_grants_state_grant_id",
                table: "grants",
                columns: new[] { "state", "grant_id" });

            migrationBuilder.CreateIndex(
                name: "ux_grants_requester_idempotency_key",
                table: "grants",
                columns: new[] { "requester", "idempotency_key" },
                unique: true);

            // Campaign mail is built inside PostgreSQL so that a chunk of recipients and their outbox rows is
            // one INSERT ... SELECT. The body is the campaign's GameCommand bytes (everything but the player
            // id, built once in C#) followed by a second mail_reward field (tag 0x7a: field 15, length-delimited)
            // holding only player_id (tag 0x0a); protobuf merges repeated occurrences of a message field, so
            // it parses as one MailReward. Ids under 126 bytes (all real ones) take the one-byte-length path,
            // written flat so the planner inlines it; longer ids (up to 64 characters = 256 bytes) take
            // two-byte varints.
            migrationBuilder.Sql("""
                CREATE FUNCTION rewards_pb_varint(n integer) RETURNS bytea
                LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                    SELECT CASE WHEN n < 128 THEN set_byte('\x00'::bytea, 0, n)
                                ELSE set_byte(set_byte('\x0000'::bytea, 0, (n & 127) | 128), 1, n >> 7) END
                $$;
                CREATE FUNCTION rewards_mail_body(prefix bytea, player_id text) RETURNS bytea
                LANGUAGE sql STABLE PARALLEL SAFE AS $$
                    SELECT CASE WHEN octet_length(convert_to(player_id, 'UTF8')) < 126
                        THEN prefix
                            || set_byte('\x7a00'::bytea, 1, octet_length(convert_to(player_id, 'UTF8')) + 2)
                            || set_byte('\x0a00'::bytea, 1, octet_length(convert_to(player_id, 'UTF8')))
                            || convert_to(player_id, 'UTF8')
                        ELSE prefix || '\x7a'::bytea
                            || rewards_pb_varint(1 + length(rewards_pb_varint(octet_length(convert_to(player_id, 'UTF8')))) + octet_length(convert_to(player_id, 'UTF8')))
                            || '\x0a'::bytea || rewards_pb_varint(octet_length(convert_to(player_id, 'UTF8'))) || convert_to(player_id, 'UTF8')
                        END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS rewards_mail_body(bytea, text); DROP FUNCTION IF EXISTS rewards_pb_varint(integer);");

            migrationBuilder.DropTable(
                name: "campaign_recipients");

            migrationBuilder.DropTable(
                name: "campaign_uploaded_players");

            migrationBuilder.DropTable(
                name: "campaigns");

            migrationBuilder.DropTable(
                name: "grant_recipients");

            migrationBuilder.DropTable(
                name: "reward_catalogue");

            migrationBuilder.DropTable(
                name: "grants");
        }
    }
}
