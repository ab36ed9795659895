SELECT character_name, player_id, 1 - (character_name <-> $Q) AS score FROM players ORDER BY character_name <-> $Q LIMIT 20
