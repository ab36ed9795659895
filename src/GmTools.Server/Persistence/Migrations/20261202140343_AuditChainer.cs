using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AuditChainer : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Functions first: the new id default calls gm_next_audit_id(); the trigger now lets the chainer link.
            migrationBuilder.Sql(SqlScripts.Load("audit_chain.sql"));

            migrationBuilder.DropPrimaryKey(
                name: "pk_audit_records",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_action_sequence",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_actor_sequence",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_player_id_sequence",
                table: "audit_records");

            migrationBuilder.AlterColumn<string>(
                name: "prev_hash",
                table: "audit_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64);

            migrationBuilder.AlterColumn<string>(
                name: "hash",
                table: "audit_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64);

            migrationBuilder.AlterColumn<long>(
                name: "sequence",
                table: "audit_records",
                type: "bigint",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "bigint");

            // Records from before the chainer keep their order below every new id (ids of new records are positive).
            migrationBuilder.Sql("""
                ALTER TABLE audit_records ADD COLUMN id bigint;
                ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only;
                UPDATE audit_records SET id = sequence - 4611686018427387904;
                ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only;
                ALTER TABLE audit_records ALTER COLUMN id SET NOT NULL;
                ALTER TABLE audit_records ALTER COLUMN id SET DEFAULT gm_next_audit_id();
                """);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "chained_at",
                table: "audit_records",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "mac",
                table: "audit_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "record_key",
                table: "audit_records",
                type: "uuid",
                nullable: false,
                defaultValue: new Guid("00000000-0000-0000-0000-000000000000"));

            migrationBuilder.AddColumn<string>(
                name: "mac",
                table: "audit_chain_head",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "pk_audit_records",
                table: "audit_records",
                column: "id");

            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    signed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    mac = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_checkpoints", x => x.sequence);
                });

            migrationBuilder.UpdateData(
                table: "audit_chain_head",
                keyColumn: "id",
                keyValue: 1,
                column: "mac",
                value: null);

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_action_id",
                table: "audit_records",
                columns: new[] { "action", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_actor_id",
                table: "audit_records",
                columns: new[] { "actor", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_mac",
                table: "audit_records",
                column: "mac",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_player_id_id",
                table: "audit_records",
                columns: new[] { "player_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_sequence",
                table: "audit_records",
                column: "sequence",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_unchained",
                table: "audit_records",
                column: "id",
                filter: "sequence IS NULL");

            migrationBuilder.Sql(SqlScripts.Load("audit_checkpoints_append_only.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER audit_checkpoints_append_only ON audit_checkpoints;
                DROP FUNCTION audit_checkpoints_refuse_change();
                CREATE OR REPLACE FUNCTION audit_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'audit_records is append-only';
                END $$;
                """);
            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropPrimaryKey(
                name: "pk_audit_records",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_action_id",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_actor_id",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_mac",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_player_id_id",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_sequence",
                table: "audit_records");

            migrationBuilder.DropIndex(
                name: "ix_audit_records_unchained",
                table: "audit_records");

            migrationBuilder.DropColumn(
                name: "id",
                table: "audit_records");

            migrationBuilder.DropColumn(
                name: "chained_at",
                table: "audit_records");

            migrationBuilder.DropColumn(
                name: "mac",
                table: "audit_records");

            migrationBuilder.DropColumn(
                name: "record_key",
                table: "audit_records");

            migrationBuilder.DropColumn(
                name: "mac",
                table: "audit_chain_head");

            migrationBuilder.AlterColumn<long>(
                name: "sequence",
                table: "audit_records",
                type: "bigint",
                nullable: false,
                defaultValue: 0L,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "prev_hash",
                table: "audit_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64,
                oldNullable: true);

            migrationBuilder.AlterColumn<string>(
                name: "hash",
                table: "audit_records",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "character varying(64)",
                oldMaxLength: 64,
                oldNullable: true);

            migrationBuilder.AddPrimaryKey(
                name: "pk_audit_records",
                table: "audit_records",
                column: "sequence");

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_action_sequence",
                table: "audit_records",
                columns: new[] { "action", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_actor_sequence",
                table: "audit_records",
                columns: new[] { "actor", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_records_player_id_sequence",
                table: "audit_records",
                columns: new[] { "player_id", "sequence" });
        }
    }
}
