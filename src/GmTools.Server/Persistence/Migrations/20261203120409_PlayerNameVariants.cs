using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class PlayerNameVariants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "player_name_variants",
                columns: table => new
                {
                    variant = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    name_key = table.Column<string>(type: "text", nullable: false, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_player_name_variants", x => new { x.variant, x.name_key });
                });

            // The typo index's one definition (PlayerNameVariant), used by the triggers, the backfill below and the
            // benchmark's rebuild. player_name_key_variants: a key and each string made by deleting one of its
            // characters (none empty). player_name_index_keys: those, and for keys of 6+ characters their second
            // half's variants tagged with chr(1), the first character and the length (two typos, one in each half).
            migrationBuilder.Sql("""
                CREATE FUNCTION player_name_key_variants(k text) RETURNS SETOF text
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                    SELECT k
                    UNION
                    SELECT left(k, i - 1) || substr(k, i + 1) FROM generate_series(1, char_length(k)) AS i WHERE char_length(k) > 1
                $$;

                CREATE FUNCTION player_name_index_keys(k text) RETURNS SETOF text
                LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
                    SELECT player_name_key_variants(k)
                    UNION ALL
                    SELECT chr(1) || left(k, 1) || chr(char_length(k)) || v
                    FROM player_name_key_variants(right(k, char_length(k) - char_length(k) / 2)) AS v
                    WHERE char_length(k) >= 6
                $$;

                -- Every new key of a statement, in (variant, key) order so two concurrent writers of the same new keys
                -- wait on each other instead of deadlocking. A key whose own row exists already has all its variants.
                CREATE FUNCTION players_name_variants_add() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO player_name_variants (variant, name_key)
                    SELECT v, n.k FROM (SELECT DISTINCT character_name_key AS k FROM new_players) n
                    CROSS JOIN LATERAL player_name_index_keys(n.k) AS v
                    WHERE NOT EXISTS (SELECT 1 FROM player_name_variants e WHERE e.variant = n.k AND e.name_key = n.k)
                    ORDER BY 1, 2
                    ON CONFLICT DO NOTHING;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER players_name_variants_insert AFTER INSERT ON players
                    REFERENCING NEW TABLE AS new_players FOR EACH STATEMENT EXECUTE FUNCTION players_name_variants_add();
                CREATE TRIGGER players_name_variants_update AFTER UPDATE ON players
                    REFERENCING NEW TABLE AS new_players FOR EACH STATEMENT EXECUTE FUNCTION players_name_variants_add();

                INSERT INTO player_name_variants (variant, name_key)
                SELECT v, n.k FROM (SELECT DISTINCT character_name_key AS k FROM players) n
                CROSS JOIN LATERAL player_name_index_keys(n.k) AS v;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS players_name_variants_insert ON players;
                DROP TRIGGER IF EXISTS players_name_variants_update ON players;
                DROP FUNCTION IF EXISTS players_name_variants_add();
                DROP FUNCTION IF EXISTS player_name_index_keys(text);
                DROP FUNCTION IF EXISTS player_name_key_variants(text);
                """);

            migrationBuilder.DropTable(
                name: "player_name_variants");
        }
    }
}
