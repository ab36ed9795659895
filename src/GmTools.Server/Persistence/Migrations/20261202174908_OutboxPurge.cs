using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OutboxPurge : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "settled_outcome",
                table: "campaign_recipients",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.Sql(SqlScripts.Load("campaign_recipient_outcomes.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS rewards_keep_purged_outcomes ON gamelink_outbox; DROP FUNCTION IF EXISTS rewards_keep_purged_outcomes();");

            migrationBuilder.DropColumn(
                name: "settled_outcome",
                table: "campaign_recipients");
        }
    }
}
