using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InFlightWithdrawalsAndCampaignCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "compensation_body",
                table: "gamelink_outbox",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "compensation_correlation",
                table: "gamelink_outbox",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "compensation_kind",
                table: "gamelink_outbox",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "withdrawn_at",
                table: "gamelink_outbox",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "cancel_cursor",
                table: "campaigns",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancel_finished_at",
                table: "campaigns",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "claw_back_delivered",
                table: "campaigns",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "withdrawn",
                table: "campaigns",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "campaign_progress",
                columns: table => new
                {
                    campaign_id = table.Column<long>(type: "bigint", nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    delivered = table.Column<long>(type: "bigint", nullable: false),
                    failed = table.Column<long>(type: "bigint", nullable: false),
                    cancelled = table.Column<long>(type: "bigint", nullable: false),
                    clawed_back = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaign_progress", x => new { x.campaign_id, x.game_server_id });
                });

            migrationBuilder.CreateTable(
                name: "gamelink_sent_marks",
                columns: table => new
                {
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    sent_through = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gamelink_sent_marks", x => x.game_server_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_gamelink_outbox_settled",
                table: "gamelink_outbox",
                column: "acked_at",
                filter: "outcome IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_state_campaign_id",
                table: "campaigns",
                columns: new[] { "state", "campaign_id" });

            // Counters kept as outcomes change, backfilled for campaigns that already exist.
            migrationBuilder.Sql(SqlScripts.Load("campaign_progress.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS rewards_campaign_progress ON gamelink_outbox; DROP FUNCTION IF EXISTS rewards_campaign_progress();");

            migrationBuilder.DropTable(
                name: "campaign_progress");

            migrationBuilder.DropTable(
                name: "gamelink_sent_marks");

            migrationBuilder.DropIndex(
                name: "ix_gamelink_outbox_settled",
                table: "gamelink_outbox");

            migrationBuilder.DropIndex(
                name: "ix_campaigns_state_campaign_id",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "compensation_body",
                table: "gamelink_outbox");

            migrationBuilder.DropColumn(
                name: "compensation_correlation",
                table: "gamelink_outbox");

            migrationBuilder.DropColumn(
                name: "compensation_kind",
                table: "gamelink_outbox");

            migrationBuilder.DropColumn(
                name: "withdrawn_at",
                table: "gamelink_outbox");

            migrationBuilder.DropColumn(
                name: "cancel_cursor",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "cancel_finished_at",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "claw_back_delivered",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "withdrawn",
                table: "campaigns");
        }
    }
}
