using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PlayersFuzzyIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_players_name_trgm",
                table: "players");

            // Fuzzy search's suffix side (PlayerSearch): names in reversed-key order. INCLUDE keeps the scan
            // index-only, server filter included. EF cannot express an expression key with INCLUDE.
            migrationBuilder.Sql("""
                CREATE INDEX IF NOT EXISTS ix_players_name_key_rev ON players (reverse(character_name_key) COLLATE "C", player_id)
                INCLUDE (character_name_key, game_server_id);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP INDEX IF EXISTS ix_players_name_key_rev;");

            migrationBuilder.CreateIndex(
                name: "ix_players_name_trgm",
                table: "players",
                column: "character_name")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }
    }
}
