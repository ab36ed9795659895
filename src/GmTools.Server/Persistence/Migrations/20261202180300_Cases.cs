using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Cases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "player_cases",
                columns: table => new
                {
                    case_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    priority = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    state = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    summary = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    account = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    record_game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    character_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    event_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    contact = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    item_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    location = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    payment_channel = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    order_reference = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    amount = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    paid_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    game_area = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    client_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    opened_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    opened_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    assignee = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    assigned_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    first_response_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    resolved_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    reopen_count = table.Column<int>(type: "integer", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_player_cases", x => x.case_id);
                });

            migrationBuilder.CreateTable(
                name: "case_notes",
                columns: table => new
                {
                    note_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    case_id = table.Column<long>(type: "bigint", nullable: false),
                    author = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    text = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    attachment_refs = table.Column<List<string>>(type: "text[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_case_notes", x => x.note_id);
                    table.ForeignKey(
                        name: "fk_case_notes_player_cases_case_id",
                        column: x => x.case_id,
                        principalTable: "player_cases",
                        principalColumn: "case_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_case_notes_case_id_note_id",
                table: "case_notes",
                columns: new[] { "case_id", "note_id" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_assignee_case_id",
                table: "player_cases",
                columns: new[] { "assignee", "case_id" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_game_server_id_case_id",
                table: "player_cases",
                columns: new[] { "game_server_id", "case_id" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_player_id_case_id",
                table: "player_cases",
                columns: new[] { "player_id", "case_id" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_state_case_id",
                table: "player_cases",
                columns: new[] { "state", "case_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "case_notes");

            migrationBuilder.DropTable(
                name: "player_cases");
        }
    }
}
