using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class CaseLinksAdjustmentsReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "lift_case_id",
                table: "sanctions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "duplicate_of",
                table: "player_cases",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "satisfaction_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "satisfaction_by",
                table: "player_cases",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "satisfaction_comment",
                table: "player_cases",
                type: "character varying(500)",
                maxLength: 500,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "satisfaction_rating",
                table: "player_cases",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "case_id",
                table: "grants",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "case_links",
                columns: table => new
                {
                    link_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    case_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    object_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    linked_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    linked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    line_text = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    private_line = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_case_links", x => x.link_id);
                    table.ForeignKey(
                        name: "fk_case_links_player_cases_case_id",
                        column: x => x.case_id,
                        principalTable: "player_cases",
                        principalColumn: "case_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "recharge_adjustments",
                columns: table => new
                {
                    adjustment_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    case_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    payment_reference = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    requested_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    requested_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    approval_required = table.Column<bool>(type: "boolean", nullable: false),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sent_to = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    settled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    failure_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_recharge_adjustments", x => x.adjustment_id);
                    table.ForeignKey(
                        name: "fk_recharge_adjustments_player_cases_case_id",
                        column: x => x.case_id,
                        principalTable: "player_cases",
                        principalColumn: "case_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_sanctions_lift_case_id",
                table: "sanctions",
                column: "lift_case_id",
                filter: "lift_case_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_duplicate_of",
                table: "player_cases",
                column: "duplicate_of",
                filter: "duplicate_of IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_kind_opened_at",
                table: "player_cases",
                columns: new[] { "kind", "opened_at" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_opened_at",
                table: "player_cases",
                column: "opened_at");

            migrationBuilder.CreateIndex(
                name: "ix_grants_case_id",
                table: "grants",
                column: "case_id",
                filter: "case_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_case_links_kind_object_id",
                table: "case_links",
                columns: new[] { "kind", "object_id" });

            migrationBuilder.CreateIndex(
                name: "ux_case_links_object",
                table: "case_links",
                columns: new[] { "case_id", "kind", "game_server_id", "object_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_recharge_adjustments_case_id_adjustment_id",
                table: "recharge_adjustments",
                columns: new[] { "case_id", "adjustment_id" });

            migrationBuilder.CreateIndex(
                name: "ix_recharge_adjustments_state_adjustment_id",
                table: "recharge_adjustments",
                columns: new[] { "state", "adjustment_id" });

            migrationBuilder.CreateIndex(
                name: "ux_recharge_adjustments_payment_reference",
                table: "recharge_adjustments",
                column: "payment_reference",
                unique: true,
                filter: "state <> 'rejected'");

            // The game server's answer settles a recharge adjustment and credits recharge_total in the ack's transaction.
            migrationBuilder.Sql(SqlScripts.Load("case_recharge_credits.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS cases_recharge_credits ON gamelink_outbox; DROP FUNCTION IF EXISTS cases_recharge_credits();");
            migrationBuilder.DropTable(
                name: "case_links");

            migrationBuilder.DropTable(
                name: "recharge_adjustments");

            migrationBuilder.DropIndex(
                name: "ix_sanctions_lift_case_id",
                table: "sanctions");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_duplicate_of",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_kind_opened_at",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_opened_at",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_grants_case_id",
                table: "grants");

            migrationBuilder.DropColumn(
                name: "lift_case_id",
                table: "sanctions");

            migrationBuilder.DropColumn(
                name: "duplicate_of",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_by",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_comment",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_rating",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "case_id",
                table: "grants");
        }
    }
}
