WITH c AS (
 (SELECT player_id, character_name_key FROM players WHERE character_name_key >= lower($Q) COLLATE "C" AND character_name_key < $P || chr(1114111) ORDER BY character_name_key, player_id LIMIT $KH)
 UNION ALL
 (SELECT player_id, character_name_key FROM players WHERE character_name_key < lower($Q) COLLATE "C" AND character_name_key >= $P ORDER BY character_name_key DESC, player_id DESC LIMIT $KH)
 UNION ALL
 (SELECT player_id, character_name_key FROM players WHERE reverse(character_name_key) >= reverse(lower($Q)) COLLATE "C" AND reverse(character_name_key) < $S || chr(1114111) ORDER BY reverse(character_name_key), player_id LIMIT $KH)
 UNION ALL
 (SELECT player_id, character_name_key FROM players WHERE reverse(character_name_key) < reverse(lower($Q)) COLLATE "C" AND reverse(character_name_key) >= $S ORDER BY reverse(character_name_key) DESC, player_id DESC LIMIT $KH)),
top AS (SELECT DISTINCT ON (sc, player_id) player_id, similarity(character_name_key, $Q) sc FROM c WHERE similarity(character_name_key, $Q) >= 0.2 ORDER BY sc DESC, player_id LIMIT 20)
SELECT p.character_name, p.player_id, top.sc FROM top JOIN players p USING (player_id) ORDER BY sc DESC, player_id
