using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class CaseLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "lift_case_id",
                table: "sanctions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "case_id",
                table: "grants",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "case_links",
                columns: table => new
                {
                    link_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    case_id = table.Column<long>(type: "bigint", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    object_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    linked_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    linked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    line_text = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    private_line = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_case_links", x => x.link_id);
                    table.ForeignKey(
                        name: "fk_case_links_player_cases_case_id",
                        column: x => x.case_id,
                        principalTable: "player_cases",
                        principalColumn: "case_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_sanctions_lift_case_id",
                table: "sanctions",
                column: "lift_case_id",
                filter: "lift_case_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_grants_case_id",
                table: "grants",
                column: "case_id",
                filter: "case_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_case_links_kind_object_id",
                table: "case_links",
                columns: new[] { "kind", "object_id" });

            migrationBuilder.CreateIndex(
                name: "ux_case_links_object",
                table: "case_links",
                columns: new[] { "case_id", "kind", "game_server_id", "object_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "case_links");

            migrationBuilder.DropIndex(
                name: "ix_sanctions_lift_case_id",
                table: "sanctions");

            migrationBuilder.DropIndex(
                name: "ix_grants_case_id",
                table: "grants");

            migrationBuilder.DropColumn(
                name: "lift_case_id",
                table: "sanctions");

            migrationBuilder.DropColumn(
                name: "case_id",
                table: "grants");
        }
    }
}
