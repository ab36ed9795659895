using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Anomalies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "anomaly_kind_versions",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    version = table.Column<long>(type: "bigint", nullable: false),
                    display_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    default_severity = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    evidence_schema_hint = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    thresholds = table.Column<string>(type: "jsonb", nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    changed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_anomaly_kind_versions", x => new { x.name, x.version });
                });

            migrationBuilder.CreateTable(
                name: "anomaly_reports",
                columns: table => new
                {
                    anomaly_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    report_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    kind_version = table.Column<long>(type: "bigint", nullable: false),
                    severity = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    evidence = table.Column<string>(type: "jsonb", nullable: false),
                    related_player_ids = table.Column<List<string>>(type: "text[]", nullable: false),
                    summary = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    request_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_anomaly_reports", x => x.anomaly_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_reports_game_server_id_report_id",
                table: "anomaly_reports",
                columns: new[] { "game_server_id", "report_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_reports_kind_received_at",
                table: "anomaly_reports",
                columns: new[] { "kind", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_anomaly_reports_player_id_kind_occurred_at",
                table: "anomaly_reports",
                columns: new[] { "player_id", "kind", "occurred_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "anomaly_kind_versions");

            migrationBuilder.DropTable(
                name: "anomaly_reports");
        }
    }
}
