using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class CaseDuplicatesAndSatisfaction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "duplicate_of",
                table: "player_cases",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "satisfaction_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "satisfaction_by",
                table: "player_cases",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "satisfaction_comment",
                table: "player_cases",
                type: "character varying(500)",
                maxLength: 500,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "satisfaction_rating",
                table: "player_cases",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_duplicate_of",
                table: "player_cases",
                column: "duplicate_of",
                filter: "duplicate_of IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_kind_opened_at",
                table: "player_cases",
                columns: new[] { "kind", "opened_at" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_opened_at",
                table: "player_cases",
                column: "opened_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_player_cases_duplicate_of",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_kind_opened_at",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_opened_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "duplicate_of",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_by",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_comment",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "satisfaction_rating",
                table: "player_cases");
        }
    }
}
