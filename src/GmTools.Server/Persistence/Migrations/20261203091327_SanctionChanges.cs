using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GmTools.Server.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class SanctionChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Not in the EF model: written only by the database (default and trigger), read only by ActiveSanctionSet.
            migrationBuilder.Sql(SqlScripts.Load("sanction_changes.sql"));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS sanctions_mark_change ON sanctions; DROP FUNCTION IF EXISTS sanctions_mark_change(); ALTER TABLE sanctions DROP COLUMN IF EXISTS changed_xid;");
        }
    }
}
