BEGIN; DROP INDEX ix_players_name_trgm_gist; DROP INDEX ix_players_name_key_rev;
