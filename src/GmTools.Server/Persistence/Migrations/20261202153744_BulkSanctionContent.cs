using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class BulkSanctionContent : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<TimeSpan>(
                name: "end_duration",
                table: "sanction_bulk_previews",
                type: "interval",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "end_permanent",
                table: "sanction_bulk_previews",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ends_at",
                table: "sanction_bulk_previews",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "kind",
                table: "sanction_bulk_previews",
                type: "character varying(8)",
                maxLength: 8,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<List<string>>(
                name: "player_game_server_ids",
                table: "sanction_bulk_previews",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<List<string>>(
                name: "player_ids",
                table: "sanction_bulk_previews",
                type: "text[]",
                nullable: false,
                defaultValueSql: "'{}'");

            migrationBuilder.AddColumn<string>(
                name: "reason",
                table: "sanction_bulk_previews",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "reason_code",
                table: "sanction_bulk_previews",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "scope_game_server_id",
                table: "sanction_bulk_previews",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ticket_ref",
                table: "sanction_bulk_previews",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "ix_sanction_bulk_previews_created_at_token",
                table: "sanction_bulk_previews",
                columns: new[] { "created_at", "token" },
                filter: "executed_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_sanction_bulk_previews_created_at_token",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "end_duration",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "end_permanent",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "ends_at",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "kind",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "player_game_server_ids",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "player_ids",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "reason",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "reason_code",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "scope_game_server_id",
                table: "sanction_bulk_previews");

            migrationBuilder.DropColumn(
                name: "ticket_ref",
                table: "sanction_bulk_previews");
        }
    }
}
