using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Sanctions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "sanction_bulk_previews",
                columns: table => new
                {
                    token = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    requested_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    content_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    player_count = table.Column<int>(type: "integer", nullable: false),
                    needs_approval = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    approved_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    approved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    executed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sanction_bulk_previews", x => x.token);
                });

            migrationBuilder.CreateTable(
                name: "sanctions",
                columns: table => new
                {
                    sanction_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    scope_game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    player_game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    issued_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    reason_code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    evidence_chat_line_ids = table.Column<List<string>>(type: "text[]", nullable: false),
                    evidence_anomaly_report_ids = table.Column<List<string>>(type: "text[]", nullable: false),
                    ticket_ref = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    issued_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ladder_step = table.Column<int>(type: "integer", nullable: false),
                    override_reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    bulk_token = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    approved_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    lifted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lifted_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    lift_reason = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    lifted_as_wrongful = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sanctions", x => x.sanction_id);
                });

            migrationBuilder.CreateTable(
                name: "sanction_appeals",
                columns: table => new
                {
                    appeal_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    sanction_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    statement = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    ticket_ref = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    filed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    filed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decision_note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sanction_appeals", x => x.appeal_id);
                    table.ForeignKey(
                        name: "fk_sanction_appeals_sanction_sanction_id",
                        column: x => x.sanction_id,
                        principalTable: "sanctions",
                        principalColumn: "sanction_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ux_sanction_appeals_open",
                table: "sanction_appeals",
                column: "sanction_id",
                unique: true,
                filter: "state = 'open'");

            migrationBuilder.CreateIndex(
                name: "ix_sanctions_in_force",
                table: "sanctions",
                column: "player_id",
                filter: "lifted_at IS NULL AND kind <> 'kick'");

            migrationBuilder.CreateIndex(
                name: "ix_sanctions_issued_by_issued_at",
                table: "sanctions",
                columns: new[] { "issued_by", "issued_at" });

            migrationBuilder.CreateIndex(
                name: "ix_sanctions_player_id_issued_at",
                table: "sanctions",
                columns: new[] { "player_id", "issued_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sanction_appeals");

            migrationBuilder.DropTable(
                name: "sanction_bulk_previews");

            migrationBuilder.DropTable(
                name: "sanctions");
        }
    }
}
