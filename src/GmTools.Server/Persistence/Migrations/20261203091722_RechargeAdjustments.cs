using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RechargeAdjustments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            // The game server's answer settles the adjustment and credits recharge_total in the ack's transaction.
            migrationBuilder.Sql(SqlScripts.Load("case_recharge_credits.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS cases_recharge_credits ON gamelink_outbox; DROP FUNCTION IF EXISTS cases_recharge_credits();");
            migrationBuilder.DropTable(
                name: "recharge_adjustments");
        }
    }
}
