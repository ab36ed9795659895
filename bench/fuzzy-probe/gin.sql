SET pg_trgm.similarity_threshold = $TH;
SELECT character_name, player_id, similarity(character_name, $Q) AS score FROM players WHERE character_name % $Q ORDER BY score DESC, player_id LIMIT 20
