using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class CaseSla : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "escalated_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "escalation_level",
                table: "player_cases",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_response_breached_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_response_due",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_response_warned_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "paused_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "resolution_breached_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "resolution_due",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "resolution_warned_at",
                table: "player_cases",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_escalation_level_case_id",
                table: "player_cases",
                columns: new[] { "escalation_level", "case_id" });

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_first_response_watch",
                table: "player_cases",
                column: "first_response_due",
                filter: "first_response_at IS NULL AND first_response_breached_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_player_cases_resolution_watch",
                table: "player_cases",
                column: "resolution_due",
                filter: "resolution_breached_at IS NULL AND state IN ('new', 'in_progress', 'waiting_for_player')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_player_cases_escalation_level_case_id",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_first_response_watch",
                table: "player_cases");

            migrationBuilder.DropIndex(
                name: "ix_player_cases_resolution_watch",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "escalated_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "escalation_level",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "first_response_breached_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "first_response_due",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "first_response_warned_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "paused_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "resolution_breached_at",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "resolution_due",
                table: "player_cases");

            migrationBuilder.DropColumn(
                name: "resolution_warned_at",
                table: "player_cases");
        }
    }
}
