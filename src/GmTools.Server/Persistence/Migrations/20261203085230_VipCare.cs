using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class VipCare : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "staff_duty",
                columns: table => new
                {
                    staff_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    on_duty = table.Column<bool>(type: "boolean", nullable: false),
                    since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    daily_capacity = table.Column<int>(type: "integer", nullable: true),
                    capacity_set_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_staff_duty", x => x.staff_id);
                });

            migrationBuilder.CreateTable(
                name: "vip_players",
                columns: table => new
                {
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    tier_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    recharge_total = table.Column<long>(type: "bigint", nullable: false),
                    tier_version = table.Column<long>(type: "bigint", nullable: false),
                    last_agent = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_vip_players", x => x.player_id);
                    table.ForeignKey(
                        name: "fk_vip_players_players_player_id",
                        column: x => x.player_id,
                        principalTable: "players",
                        principalColumn: "player_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "vip_tier_changes",
                columns: table => new
                {
                    change_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    from_tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    to_tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    recharge_total = table.Column<long>(type: "bigint", nullable: false),
                    tier_version = table.Column<long>(type: "bigint", nullable: false),
                    source = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_vip_tier_changes", x => x.change_id);
                });

            migrationBuilder.CreateTable(
                name: "vip_tier_versions",
                columns: table => new
                {
                    version = table.Column<long>(type: "bigint", nullable: false),
                    tiers = table.Column<string>(type: "jsonb", nullable: false),
                    changed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_vip_tier_versions", x => x.version);
                });

            migrationBuilder.CreateTable(
                name: "vip_visit_rules",
                columns: table => new
                {
                    rule_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    after = table.Column<TimeSpan>(type: "interval", nullable: true),
                    due_within = table.Column<TimeSpan>(type: "interval", nullable: false),
                    active = table.Column<bool>(type: "boolean", nullable: false),
                    changed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    changed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_vip_visit_rules", x => x.rule_id);
                });

            migrationBuilder.CreateTable(
                name: "vip_visit_tasks",
                columns: table => new
                {
                    task_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    reason = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    source = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    assignee = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    assigned_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    claimed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    due_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    overdue_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    misses = table.Column<int>(type: "integer", nullable: false),
                    misses_by_assignee = table.Column<int>(type: "integer", nullable: false),
                    excluded_agents = table.Column<List<string>>(type: "text[]", nullable: false),
                    last_outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    satisfaction = table.Column<int>(type: "integer", nullable: true),
                    notes = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    follow_up_task_id = table.Column<long>(type: "bigint", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_vip_visit_tasks", x => x.task_id);
                });

            migrationBuilder.CreateTable(
                name: "vip_visit_attempts",
                columns: table => new
                {
                    attempt_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    task_id = table.Column<long>(type: "bigint", nullable: false),
                    player_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    game_server_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    tier = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    agent = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    outcome = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    called_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    hour_band = table.Column<int>(type: "integer", nullable: true),
                    satisfaction = table.Column<int>(type: "integer", nullable: true),
                    notes = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    call_back_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_vip_visit_attempts", x => x.attempt_id);
                    table.ForeignKey(
                        name: "fk_vip_visit_attempts_vip_visit_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "vip_visit_tasks",
                        principalColumn: "task_id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_staff_duty_on_duty",
                table: "staff_duty",
                column: "on_duty",
                filter: "on_duty");

            migrationBuilder.CreateIndex(
                name: "ix_vip_players_tier",
                table: "vip_players",
                column: "tier",
                filter: "tier <> ''");

            migrationBuilder.CreateIndex(
                name: "ix_vip_tier_changes_player_id_change_id",
                table: "vip_tier_changes",
                columns: new[] { "player_id", "change_id" });

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_attempts_called_at",
                table: "vip_visit_attempts",
                column: "called_at");

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_attempts_player_id_hour_band",
                table: "vip_visit_attempts",
                columns: new[] { "player_id", "hour_band" });

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_attempts_task_id_attempt_id",
                table: "vip_visit_attempts",
                columns: new[] { "task_id", "attempt_id" });

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_attempts_tier_hour_band",
                table: "vip_visit_attempts",
                columns: new[] { "tier", "hour_band" });

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_rules_reason_tier",
                table: "vip_visit_rules",
                columns: new[] { "reason", "tier" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_tasks_assignee_due_at",
                table: "vip_visit_tasks",
                columns: new[] { "assignee", "due_at" },
                filter: "state IN ('open', 'claimed')");

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_tasks_completed_at",
                table: "vip_visit_tasks",
                column: "completed_at");

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_tasks_due_watch",
                table: "vip_visit_tasks",
                column: "due_at",
                filter: "state IN ('open', 'claimed') AND overdue_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_tasks_player_id_reason_created_at",
                table: "vip_visit_tasks",
                columns: new[] { "player_id", "reason", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_vip_visit_tasks_source",
                table: "vip_visit_tasks",
                column: "source",
                unique: true,
                filter: "source IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_vip_visit_tasks_open",
                table: "vip_visit_tasks",
                columns: new[] { "player_id", "reason" },
                unique: true,
                filter: "state IN ('open', 'claimed')");
            migrationBuilder.Sql(SqlScripts.Load("vip_care_defaults.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "staff_duty");

            migrationBuilder.DropTable(
                name: "vip_players");

            migrationBuilder.DropTable(
                name: "vip_tier_changes");

            migrationBuilder.DropTable(
                name: "vip_tier_versions");

            migrationBuilder.DropTable(
                name: "vip_visit_attempts");

            migrationBuilder.DropTable(
                name: "vip_visit_rules");

            migrationBuilder.DropTable(
                name: "vip_visit_tasks");
        }
    }
}
