using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AnomalyCases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "case_id",
                table: "anomaly_reports",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "anomaly_case_notes",
                columns: table => new
                {
                    note_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    case_id = table.Column<long>(type: "bigint", nullable: false),
                    author = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    added_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    text = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_anomaly_case_notes", x => x.note_id);
                });

            migrationBuilder.CreateTable(
                name: "anomaly_cases",
                columns: table => new
                {
                    case_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    severity = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    severity_rank = table.Column<int>(type: "integer", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    opened_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    trigger = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    report_count = table.Column<int>(type: "integer", nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    sanction_id = table.Column<long>(type: "bigint", nullable: true),
                    bulk_token = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_anomaly_cases", x => x.case_id);
                });

            migrationBuilder.CreateTable(
                name: "anomaly_weights",
                columns: table => new
                {
                    weight_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    factor = table.Column<double>(type: "double precision", nullable: false),
                    until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    case_id = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_anomaly_weights", x => x.weight_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_reports_case_id",
                table: "anomaly_reports",
                column: "case_id");

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_reports_related_player_ids",
                table: "anomaly_reports",
                column: "related_player_ids")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_case_notes_case_id",
                table: "anomaly_case_notes",
                column: "case_id");

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_cases_kind_opened_at",
                table: "anomaly_cases",
                columns: new[] { "kind", "opened_at" });

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_cases_state_severity_rank_opened_at",
                table: "anomaly_cases",
                columns: new[] { "state", "severity_rank", "opened_at" });

            migrationBuilder.CreateIndex(
                name: "ux_anomaly_cases_waiting",
                table: "anomaly_cases",
                columns: new[] { "player_id", "kind" },
                unique: true,
                filter: "state IN ('open', 'claimed')");

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_weights_player_id_kind_until",
                table: "anomaly_weights",
                columns: new[] { "player_id", "kind", "until" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "anomaly_case_notes");

            migrationBuilder.DropTable(
                name: "anomaly_cases");

            migrationBuilder.DropTable(
                name: "anomaly_weights");

            migrationBuilder.DropIndex(
                name: "ix_anomaly_reports_case_id",
                table: "anomaly_reports");

            migrationBuilder.DropIndex(
                name: "ix_anomaly_reports_related_player_ids",
                table: "anomaly_reports");

            migrationBuilder.DropColumn(
                name: "case_id",
                table: "anomaly_reports");
        }
    }
}
