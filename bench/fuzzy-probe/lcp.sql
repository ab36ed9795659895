SELECT left(k, greatest(char_length(k)/2, greatest(
      pg_temp.lcp(k, (SELECT character_name_key FROM players WHERE character_name_key >= k ORDER BY character_name_key LIMIT 1)),
      pg_temp.lcp(k, (SELECT character_name_key FROM players WHERE character_name_key < k ORDER BY character_name_key DESC LIMIT 1))) - $D)) AS p,
  left(r, greatest(char_length(k) - char_length(k)/2 - 1, greatest(
      pg_temp.lcp(r, (SELECT reverse(character_name_key) FROM players WHERE reverse(character_name_key) >= r ORDER BY reverse(character_name_key) LIMIT 1)),
      pg_temp.lcp(r, (SELECT reverse(character_name_key) FROM players WHERE reverse(character_name_key) < r ORDER BY reverse(character_name_key) DESC LIMIT 1))) - $D)) AS s
FROM (SELECT lower($Q) COLLATE "C" k, reverse(lower($Q)) COLLATE "C" r) x \gset
WITH c AS (
 (SELECT player_id, character_name_key FROM players WHERE character_name_key >= :'p' AND character_name_key < :'p' || chr(1114111) ORDER BY character_name_key, player_id LIMIT $K)
 UNION
 (SELECT player_id, character_name_key FROM players WHERE reverse(character_name_key) >= :'s' AND reverse(character_name_key) < :'s' || chr(1114111) ORDER BY reverse(character_name_key), player_id LIMIT $K)),
top AS (SELECT player_id, similarity(character_name_key, $Q) sc FROM c ORDER BY sc DESC, player_id LIMIT 20)
SELECT p.character_name, p.player_id, top.sc FROM top JOIN players p USING (player_id) ORDER BY sc DESC, player_id
