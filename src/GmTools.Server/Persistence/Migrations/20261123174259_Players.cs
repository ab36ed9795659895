using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Players : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "character_name_key",
                table: "players",
                type: "text",
                nullable: false,
                computedColumnSql: "lower(character_name)",
                stored: true,
                collation: "C");

            migrationBuilder.CreateTable(
                name: "player_notes",
                columns: table => new
                {
                    note_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    text = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    ticket_ref = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    author = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_player_notes", x => x.note_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_players_name_key",
                table: "players",
                columns: new[] { "character_name_key", "player_id" });

            migrationBuilder.CreateIndex(
                name: "ix_players_name_trgm",
                table: "players",
                column: "character_name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "ix_players_server_name_key",
                table: "players",
                columns: new[] { "game_server_id", "character_name_key", "player_id" });

            migrationBuilder.CreateIndex(
                name: "ix_player_notes_player_id_note_id",
                table: "player_notes",
                columns: new[] { "player_id", "note_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "player_notes");

            migrationBuilder.DropIndex(
                name: "ix_players_name_key",
                table: "players");

            migrationBuilder.DropIndex(
                name: "ix_players_name_trgm",
                table: "players");

            migrationBuilder.DropIndex(
                name: "ix_players_server_name_key",
                table: "players");

            migrationBuilder.DropColumn(
                name: "character_name_key",
                table: "players");
        }
    }
}
