WITH c AS (
 (SELECT player_id, character_name_key FROM players WHERE character_name_key >= $P AND character_name_key < $P || chr(1114111) ORDER BY character_name_key, player_id LIMIT $K)
 UNION
 (SELECT player_id, character_name_key FROM players WHERE reverse(character_name_key) >= $S AND reverse(character_name_key) < $S || chr(1114111) ORDER BY reverse(character_name_key), player_id LIMIT $K)),
top AS (SELECT player_id, similarity(character_name_key, $Q) sc FROM c ORDER BY sc DESC, player_id LIMIT 20)
SELECT p.character_name, p.player_id, top.sc FROM top JOIN players p USING (player_id) ORDER BY sc DESC, player_id
