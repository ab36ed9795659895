using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ChatWatch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "chat_flags",
                columns: table => new
                {
                    flag_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    line_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    sender_player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    recipient_player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    text = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    flagged_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    category = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    rule = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    term = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    matches = table.Column<string>(type: "jsonb", nullable: false),
                    rule_version = table.Column<long>(type: "bigint", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    decided_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sanction_id = table.Column<long>(type: "bigint", nullable: true),
                    policy = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_flags", x => x.flag_id);
                });

            migrationBuilder.CreateTable(
                name: "chat_rule_versions",
                columns: table => new
                {
                    version = table.Column<long>(type: "bigint", nullable: false),
                    document = table.Column<string>(type: "jsonb", nullable: false),
                    source = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    note = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    term_count = table.Column<int>(type: "integer", nullable: false),
                    based_on = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_chat_rule_versions", x => x.version);
                });

            migrationBuilder.CreateIndex(
                name: "ix_chat_flags_game_server_id_line_id",
                table: "chat_flags",
                columns: new[] { "game_server_id", "line_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_chat_flags_sanction_id",
                table: "chat_flags",
                column: "sanction_id",
                filter: "sanction_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_chat_flags_sender_player_id_category_flagged_at",
                table: "chat_flags",
                columns: new[] { "sender_player_id", "category", "flagged_at" });

            migrationBuilder.CreateIndex(
                name: "ix_chat_flags_state_flag_id",
                table: "chat_flags",
                columns: new[] { "state", "flag_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "chat_flags");

            migrationBuilder.DropTable(
                name: "chat_rule_versions");
        }
    }
}
