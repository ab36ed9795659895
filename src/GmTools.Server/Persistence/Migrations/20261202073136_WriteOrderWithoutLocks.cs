using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WriteOrderWithoutLocks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Functions first: the new column default calls gm_next_command_id().
            migrationBuilder.Sql(SqlScripts.Load("write_order.sql"));

            migrationBuilder.AlterColumn<long>(
                name: "command_id",
                table: "gamelink_outbox",
                type: "bigint",
                nullable: false,
                defaultValueSql: "gm_next_command_id()",
                oldClrType: typeof(long),
                oldType: "bigint")
                .OldAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn);

            migrationBuilder.CreateTable(
                name: "gamelink_replicas",
                columns: table => new
                {
                    replica_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    last_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gamelink_replicas", x => x.replica_id);
                });

            // Ids already drawn from the old identity must stay below the new ones (only matters for a database
            // with more rows than transactions so far, but then it matters).
            migrationBuilder.Sql("SELECT gm_rebase_write_order();");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "gamelink_replicas");

            migrationBuilder.AlterColumn<long>(
                name: "command_id",
                table: "gamelink_outbox",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldDefaultValueSql: "gm_next_command_id()")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn);

            migrationBuilder.Sql("""
                SELECT setval(pg_get_serial_sequence('gamelink_outbox', 'command_id'), greatest(1, coalesce(max(command_id), 1))) FROM gamelink_outbox;
                DROP FUNCTION IF EXISTS gm_rebase_write_order();
                DROP FUNCTION IF EXISTS gm_write_order_is_behind();
                DROP FUNCTION IF EXISTS gm_stored_write_order();
                DROP FUNCTION IF EXISTS gm_command_horizon();
                DROP FUNCTION IF EXISTS gm_next_command_id();
                DROP FUNCTION IF EXISTS gm_command_id_overflow();
                DROP FUNCTION IF EXISTS gm_txn_horizon();
                DROP FUNCTION IF EXISTS gm_txn_order();
                DROP FUNCTION IF EXISTS gm_txn_order_offset();
                """);
        }
    }
}
