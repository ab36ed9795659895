using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Announcements : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "announcements",
                columns: table => new
                {
                    announcement_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    state = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    texts = table.Column<string>(type: "jsonb", nullable: false),
                    final_texts = table.Column<string>(type: "jsonb", nullable: false),
                    display = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: false),
                    all_servers = table.Column<bool>(type: "boolean", nullable: false),
                    target_game_servers = table.Column<List<string>>(type: "text[]", nullable: false),
                    starts_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    repeat_interval = table.Column<TimeSpan>(type: "interval", nullable: true),
                    priority = table.Column<int>(type: "integer", nullable: false),
                    maintenance_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    countdown_offsets = table.Column<List<int>>(type: "integer[]", nullable: false),
                    author = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    approver = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decision_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    cancelled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    considered_through = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    next_fire_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_announcements", x => x.announcement_id);
                });

            migrationBuilder.CreateTable(
                name: "announcement_occurrences",
                columns: table => new
                {
                    announcement_id = table.Column<long>(type: "bigint", nullable: false),
                    occurs_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    minutes_left = table.Column<int>(type: "integer", nullable: true),
                    recorded_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    game_server_ids = table.Column<List<string>>(type: "text[]", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_announcement_occurrences", x => new { x.announcement_id, x.occurs_at });
                    table.ForeignKey(
                        name: "fk_announcement_occurrences_announcements_announcement_id",
                        column: x => x.announcement_id,
                        principalTable: "announcements",
                        principalColumn: "announcement_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_announcements_due",
                table: "announcements",
                column: "next_fire_at",
                filter: "state = 'published'");

            migrationBuilder.CreateIndex(
                name: "ix_announcements_target_game_servers",
                table: "announcements",
                column: "target_game_servers")
                .Annotation("Npgsql:IndexMethod", "gin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "announcement_occurrences");

            migrationBuilder.DropTable(
                name: "announcements");
        }
    }
}
