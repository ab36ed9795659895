using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GmTools.Server.Players;

/// <summary>
/// Fuzzy name search's typo index (symmetric delete): for every character name key in use, the key itself and
/// each string made by deleting one of its characters, pointing back at the key. Two names within one edit
/// (substitution, insertion, deletion or an adjacent swap) always share one of these variants, so one typo is
/// found by a handful of btree probes however common the name's letters are. Keys of 6+ characters also get their
/// second half's variants, tagged with chr(1), the first character and the key's length: a query with one typo in
/// each half probes those for each name length it may come from (PlayerSearch).
/// <para>
/// Rows are per distinct key, not per player (names repeat), and only ever added: triggers on players insert the
/// variants of every new or renamed key in the writing statement's transaction (SQL function
/// player_name_index_keys, one definition for the triggers, the migration's backfill and the benchmark's
/// rebuild). A key nobody holds any more keeps its rows; they cost a probe hit that joins to no player.
/// </para>
/// </summary>
public sealed class PlayerNameVariant
{
    public string Variant { get; private set; } = "";

    public string NameKey { get; private set; } = "";
}

internal sealed class PlayerNameVariantConfiguration : IEntityTypeConfiguration<PlayerNameVariant>
{
    public void Configure(EntityTypeBuilder<PlayerNameVariant> b)
    {
        b.ToTable("player_name_variants");
        // Unbounded like players.character_name_key (lower-casing may lengthen a name); the key is at most a
        // name's length, the variant one character less.
        b.HasKey(v => new { v.Variant, v.NameKey });
        b.Property(v => v.Variant).UseCollation("C");
        b.Property(v => v.NameKey).UseCollation("C");
    }
}
