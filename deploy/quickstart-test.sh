#!/usr/bin/env bash
# The quick-start test: follows README.md's quick start as written -- the ```bash blocks between
# <!-- quick-start:begin --> and <!-- quick-start:end --> -- and checks what a newcomer should see. So the README
# and the scripts cannot drift apart: change one and this fails until the other follows.
#   deploy/quickstart-test.sh [WORK_DIR]
# It runs on free ports and its own state dir (substituted for 5080, 5081 and .local/ in the commands), so it does
# not clash with a deploy/run.sh or another test run on the same machine. Exit status 0 = passed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh

WORK=${1:-$(mktemp -d /tmp/gmtools-quickstart.XXXXXX)}
mkdir -p "$WORK" && chmod 711 "$WORK"
WORK=$(cd "$WORK" && pwd)
STARTED=$SECONDS
export GMTOOLS_STATE_DIR="$WORK/state"
export GMTOOLS_PORT GMTOOLS_CONSOLE_PORT GMTOOLS_PG_PORT GMTOOLS_REDIS_PORT
GMTOOLS_PORT=$(gm_free_port)
GMTOOLS_CONSOLE_PORT=$(gm_free_port "$GMTOOLS_PORT")
GMTOOLS_PG_PORT=$(gm_free_port "$GMTOOLS_PORT" "$GMTOOLS_CONSOLE_PORT")
GMTOOLS_REDIS_PORT=$(gm_free_port "$GMTOOLS_PORT" "$GMTOOLS_CONSOLE_PORT" "$GMTOOLS_PG_PORT")
RUN_PID=""

fail() {
    echo "quick start: FAILED: $*"
    local f
    for f in "$WORK"/*.out "$WORK/run.log" "$WORK/ctrlc.log"; do
        [ -f "$f" ] || continue
        echo "---- $(basename "$f") (last 40 lines)"
        tail -n 40 "$f" | cut -c1-300
    done
    exit 1
}

cleanup() {
    local rc=$?
    trap - EXIT
    # Whatever the README's own stop left behind (it should be nothing), stop it: never leave servers running.
    bash deploy/run.sh stop >/dev/null 2>&1 || true
    if [ -n "$RUN_PID" ] && kill -0 "$RUN_PID" 2>/dev/null; then kill -TERM "$RUN_PID" 2>/dev/null || true; fi
    if [ -f "$WORK/simulator.pid" ]; then
        pkill -TERM -P "$(cat "$WORK/simulator.pid")" 2>/dev/null || true
        kill -TERM "$(cat "$WORK/simulator.pid")" 2>/dev/null || true
    fi
    [ "${GMTOOLS_TEST_KEEP:-}" = 1 ] || rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

# ---- the commands, as the README writes them
awk '
    /<!-- quick-start:begin -->/ { inside = 1; next }
    /<!-- quick-start:end -->/   { inside = 0 }
    inside && /^```bash$/        { n++; block = 1; next }
    inside && block && /^```$/   { block = 0; next }
    inside && block              { print > (dir "/block." n) }
' dir="$WORK" README.md
BLOCKS=$(find "$WORK" -maxdepth 1 -name 'block.*' | wc -l)
[ "$BLOCKS" -eq 6 ] || fail "expected 6 bash blocks in README.md's quick start, found $BLOCKS (update this test with the README)"
for b in "$WORK"/block.*; do
    sed -i -e "s#127\.0\.0\.1:5080#127.0.0.1:$GMTOOLS_PORT#g" -e "s#127\.0\.0\.1:5081#127.0.0.1:$GMTOOLS_CONSOLE_PORT#g" \
        -e "s#\([ \"']\)\.local/#\1$GMTOOLS_STATE_DIR/#g" "$b"
done
[ "$(cat "$WORK/block.1")" = "deploy/run.sh" ] || fail "the first quick-start block must be exactly 'deploy/run.sh'"

# ---- shell 1: deploy/run.sh, in the background
bash "$WORK/block.1" >"$WORK/run.log" 2>&1 &
RUN_PID=$!
for _ in $(seq 1 1200); do
    grep -q '^GmTools is ready' "$WORK/run.log" && break
    kill -0 "$RUN_PID" 2>/dev/null || fail "deploy/run.sh exited before it was ready"
    sleep 0.25
done
grep -q '^GmTools is ready' "$WORK/run.log" || fail "deploy/run.sh was not ready within 5 minutes"
echo "quick start: deploy/run.sh ready after $((SECONDS - STARTED)) s (ports $GMTOOLS_PORT/$GMTOOLS_CONSOLE_PORT)"
gm_port_in_use "$GMTOOLS_CONSOLE_PORT" || fail "deploy/run.sh said ready, but the console it names does not listen on $GMTOOLS_CONSOLE_PORT"
for v in ADMIN_TOKEN SUPERVISOR_TOKEN GM_TOKEN AGENT_TOKEN VIEWER_TOKEN S1_CREDENTIAL S2_CREDENTIAL S3_CREDENTIAL; do
    grep -q "^export $v='" "$WORK/run.log" || fail "deploy/run.sh did not print 'export $v=...'"
    grep -q "^export $v='" "$GMTOOLS_STATE_DIR/env" || fail "$GMTOOLS_STATE_DIR/env lacks $v"
done

# ---- shell 2: the other blocks in one shell, as a newcomer would type them; the test only waits in between.
wait_for() {   # FILE PATTERN SECONDS
    local i
    for i in $(seq 1 $(($3 * 4))); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.25; done
    return 1
}
SHELL2=$WORK/shell2.sh
cat >"$SHELL2" <<EOF
set -euo pipefail
cd "$REPO"
$(declare -f wait_for)
{ . "$WORK/block.2"; } >"$WORK/simulator.out" 2>&1
jobs -p >"$WORK/simulator.pid"
wait_for "$WORK/simulator.out" '^s1: connected' 120 || { echo "the simulator did not connect"; exit 1; }
{ . "$WORK/block.3"; } >"$WORK/ban.out" 2>&1
wait_for "$WORK/simulator.out" '^s1: #[0-9]+ ban p900001 ' 30 || { echo "the simulator never saw the ban"; exit 1; }
{ . "$WORK/block.4"; } >"$WORK/grant.out" 2>&1
wait_for "$WORK/simulator.out" '^s1: #[0-9]+ mail p900002 ' 30 || { echo "the simulator never saw the grant's mail"; exit 1; }
for _ in \$(seq 1 60); do
    \$BUF curl --http2-prior-knowledge --protocol grpc -H "authorization: Bearer \$AGENT_TOKEN" -d "\$GRANT" \
        http://127.0.0.1:$GMTOOLS_PORT/gmtools.v1.RewardService/CreateGrant >"$WORK/replay.out" 2>&1 || true
    grep -q DELIVERY_STATE_DELIVERED "$WORK/replay.out" && break
    sleep 0.25
done
{ . "$WORK/block.5"; } >"$WORK/mint.out" 2>&1
eval "\$(grep '^export GM_TOKEN=' "$WORK/mint.out")"
\$BUF curl --http2-prior-knowledge --protocol grpc -H "authorization: Bearer \$GM_TOKEN" \
    http://127.0.0.1:$GMTOOLS_PORT/gmtools.v1.IdentityService/WhoAmI >"$WORK/whoami.out" 2>&1
{ . "$WORK/block.6"; } >"$WORK/stop.out" 2>&1
EOF
bash "$SHELL2" >"$WORK/shell2.out" 2>&1 || fail "the second shell's commands failed: $(tail -n 1 "$WORK/shell2.out")"

# ---- what the newcomer should have seen
grep -q '外挂王' "$WORK/ban.out" || fail "SearchPlayers by a Chinese name did not find 外挂王"
SANCTION_ID=$(grep -oE '"sanctionId": *"[0-9]+"' "$WORK/ban.out" | grep -oE '[0-9]+' | head -n 1)
[ -n "$SANCTION_ID" ] || fail "IssueSanction returned no sanction id"
grep -qE "^s1: #[0-9]+ ban p900001 sanction $SANCTION_ID " "$WORK/simulator.out" \
    || fail "the simulator's ban does not carry the sanction id $SANCTION_ID that IssueSanction returned"
GRANT_ID=$(grep -oE '"grantId": *"[0-9]+"' "$WORK/grant.out" | grep -oE '[0-9]+' | head -n 1)
[ -n "$GRANT_ID" ] || fail "CreateGrant returned no grant id"
grep -qE "^s1: #[0-9]+ mail p900002 grant $GRANT_ID:" "$WORK/simulator.out" \
    || fail "the simulator's mail does not carry the grant id $GRANT_ID that CreateGrant returned"
grep -q '"replayed": true' "$WORK/grant.out" || fail "the README's second CreateGrant was not a replay"
grep -q DELIVERY_STATE_DELIVERED "$WORK/replay.out" || fail "the grant was never shown delivered"
[ "$(grep -c "^s1: #[0-9]* mail p900002 " "$WORK/simulator.out")" -eq 1 ] || fail "the grant was mailed more than once"
grep -qE "^export GM_TOKEN='eyJ[^']+'$" "$WORK/mint.out" || fail "mint-token did not print export GM_TOKEN='...'"
grep -q '"gia.gm"' "$WORK/whoami.out" || fail "the minted token was not accepted (WhoAmI)"
grep -q 'stopped the GmTools server' "$WORK/stop.out" || fail "deploy/run.sh stop did not stop the server"
grep -q 'stopped PostgreSQL and Redis' "$WORK/stop.out" || fail "deploy/run.sh stop did not stop PostgreSQL and Redis"
for _ in $(seq 1 80); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.25; done
! kill -0 "$RUN_PID" 2>/dev/null || fail "deploy/run.sh still runs after 'deploy/run.sh stop'"
RUN_PID=""
for port in "$GMTOOLS_PORT" "$GMTOOLS_CONSOLE_PORT" "$GMTOOLS_PG_PORT" "$GMTOOLS_REDIS_PORT"; do
    ! gm_port_in_use "$port" || fail "port $port is still in use after 'deploy/run.sh stop'"
done
# Honest logs: a healthy start and stop say nothing alarming.
if grep -hE '^(fail|crit): |Unhandled exception' "$WORK/run.log" "$GMTOOLS_STATE_DIR/seed.log"; then
    fail "a healthy start/stop logged failures"
fi
echo "quick start: README commands passed after $((SECONDS - STARTED)) s"

# ---- Ctrl-C on deploy/run.sh, as the README describes it: the server and the console stop (and it says so),
# PostgreSQL and Redis stay up for the next start, nothing else is left running. A terminal's Ctrl-C sends SIGINT
# to the foreground process group; job control gives run.sh its own group here (and keeps SIGINT from being
# ignored, as it is for background jobs without it).
# A shell started with SIGINT ignored (any background job, or a CI runner that starts us that way) passes that on,
# and bash cannot trap a signal ignored at entry: env --default-signal gives run.sh the terminal's default back.
set -m
env --default-signal=INT bash deploy/run.sh >"$WORK/ctrlc.log" 2>&1 &
RUN_PID=$!
RUN_PGID=$RUN_PID
set +m
for _ in $(seq 1 1200); do
    grep -q '^GmTools is ready' "$WORK/ctrlc.log" && break
    kill -0 "$RUN_PID" 2>/dev/null || fail "deploy/run.sh (second start) exited before it was ready: $(tail -n 3 "$WORK/ctrlc.log")"
    sleep 0.25
done
grep -q '^GmTools is ready' "$WORK/ctrlc.log" || fail "deploy/run.sh (second start) was not ready within 5 minutes"
SERVER_PID=$(cat "$GMTOOLS_STATE_DIR/server.pid")
CONSOLE_PID=$(cat "$GMTOOLS_STATE_DIR/console.pid")
kill -INT -- "-$RUN_PID"
# run.sh gives the server and then the console 20 s each to stop before it kills them: 45 s covers both.
for _ in $(seq 1 180); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.25; done
! kill -0 "$RUN_PID" 2>/dev/null || fail "deploy/run.sh still runs 45 s after Ctrl-C"
RUN_PID=""
grep -q 'stopping the server and the console' "$WORK/ctrlc.log" || fail "Ctrl-C: deploy/run.sh did not say it stops the server"
grep -q 'stopped the GmTools server' "$WORK/ctrlc.log" || fail "Ctrl-C: deploy/run.sh did not say the server stopped"
grep -q 'PostgreSQL and Redis keep running' "$WORK/ctrlc.log" || fail "Ctrl-C: deploy/run.sh did not say PostgreSQL and Redis stay up"
for pid in "$SERVER_PID" "$CONSOLE_PID"; do ! kill -0 "$pid" 2>/dev/null || fail "Ctrl-C left process $pid running"; done
LEFT=$(ps -e -o pgid=,pid=,args= | awk -v g="$RUN_PGID" '$1 == g')
[ -z "$LEFT" ] || fail "Ctrl-C left processes of deploy/run.sh's group running: $LEFT"
for port in "$GMTOOLS_PORT" "$GMTOOLS_CONSOLE_PORT"; do
    ! gm_port_in_use "$port" || fail "port $port is still in use after Ctrl-C"
done
for port in "$GMTOOLS_PG_PORT" "$GMTOOLS_REDIS_PORT"; do
    gm_port_in_use "$port" || fail "Ctrl-C stopped the service on port $port, which the README says stays up"
done
if grep -hE '^(fail|crit): |Unhandled exception' "$WORK/ctrlc.log"; then
    fail "a Ctrl-C stop logged failures"
fi
bash deploy/run.sh stop >"$WORK/stop2.out" 2>&1 || fail "deploy/run.sh stop after Ctrl-C failed"
for port in "$GMTOOLS_PG_PORT" "$GMTOOLS_REDIS_PORT"; do
    ! gm_port_in_use "$port" || fail "port $port is still in use after 'deploy/run.sh stop'"
done
echo "quick start: passed in $((SECONDS - STARTED)) s (README commands followed as written; Ctrl-C on deploy/run.sh)"
