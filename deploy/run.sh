#!/usr/bin/env bash
# Run GmTools locally: PostgreSQL + Redis, a migrated and seeded demo world, the gRPC server and the staff console.
#   deploy/run.sh          start everything (PostgreSQL/Redis reused if already up); Ctrl-C stops server + console
#   deploy/run.sh stop     stop the server, the console, PostgreSQL and Redis (data stays in the state dir)
# Environment (all optional):
#   GMTOOLS_PORT (5080) gRPC server, GMTOOLS_CONSOLE_PORT (5081) console,
#   GMTOOLS_PG_PORT (55432), GMTOOLS_REDIS_PORT (56379),
#   GMTOOLS_STATE_DIR (<repo>/.local) data, logs, pid files and the `env` file of tokens.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh

PG_PORT=${GMTOOLS_PG_PORT:-55432}
REDIS_PORT=${GMTOOLS_REDIS_PORT:-56379}
APP_PORT=${GMTOOLS_PORT:-5080}
CONSOLE_PORT=${GMTOOLS_CONSOLE_PORT:-5081}
STATE=${GMTOOLS_STATE_DIR:-$REPO/.local}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Development: migrations on start and the development signing key (appsettings.Development.json).
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}

SERVER_DLL=src/GmTools.Server/bin/Release/net10.0/GmTools.Server.dll
CONSOLE_DLL=src/GmTools.Console/bin/Release/net10.0/GmTools.Console.dll
STARTED=$SECONDS

say() { echo "gmtools [$((SECONDS - STARTED))s]: $*"; }

mkdir -p "$STATE" && chmod 711 "$STATE"
STATE=$(cd "$STATE" && pwd)

# PostgreSQL data normally lives in the state dir. As root the server runs as 'postgres', which must be able to
# traverse into it; if it cannot (e.g. under a 0700 home dir), the data goes to a per-state-dir dir under /tmp.
data_dir() {
    local dir="$STATE"
    if gm_is_root && id postgres >/dev/null 2>&1 && ! gm_pg_dir_ok "$dir"; then
        dir="/tmp/gmtools-$(printf '%s' "$STATE" | md5sum | cut -c1-8)"
        mkdir -p "$dir" && chmod 711 "$dir"
        gm_log "user postgres cannot reach $STATE; keeping PostgreSQL and Redis data in $dir" >&2
    fi
    echo "$dir"
}
DATA=$(data_dir)

# Stops the process whose pid is in FILE (TERM, then KILL after 40 s: the server's own stop is bounded by
# GmTools:Shutdown:Timeout, 30 s) and removes the file.
stop_pidfile() {
    local file=$1 what=$2 pid i
    pid=$(cat "$file" 2>/dev/null) || return 0
    rm -f "$file"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 160); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
        gm_log "$what ($pid) did not stop within 40 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    echo "stopped $what"
}

case "${1:-start}" in
    stop)
        # Tells a running deploy/run.sh that everything is being stopped (so it does not say PostgreSQL stays up).
        touch "$STATE/stopping"
        stop_pidfile "$STATE/server.pid" "the GmTools server"
        stop_pidfile "$STATE/console.pid" "the GmTools console"
        gm_pg_stop "$DATA/pg"
        gm_redis_stop "$DATA/redis" "$REDIS_PORT"
        echo "stopped PostgreSQL and Redis (data kept in $DATA)"
        rm -f "$STATE/stopping"
        exit 0 ;;
    start) ;;
    *)
        echo "usage: $0 [start|stop]" >&2
        exit 2 ;;
esac

if [ -f "$STATE/server.pid" ] && kill -0 "$(cat "$STATE/server.pid")" 2>/dev/null; then
    echo "GmTools is already running from $STATE (pid $(cat "$STATE/server.pid")); 'deploy/run.sh stop' stops it" >&2
    exit 1
fi
for port in "$APP_PORT" "$CONSOLE_PORT"; do
    if gm_port_in_use "$port"; then
        echo "port $port is taken by another program (set GMTOOLS_PORT / GMTOOLS_CONSOLE_PORT)" >&2
        exit 1
    fi
done

rm -f "$STATE/stopping"
say "checking PostgreSQL, Redis and the pinned tools (apt-get / npm ci only where missing)"
gm_ensure_packages
if command -v npm >/dev/null 2>&1; then gm_ensure_tools "$REPO" || true; fi
gm_pg_start "$DATA/pg" "$PG_PORT"
gm_redis_start "$DATA/redis" "$REDIS_PORT"
gm_pg_create_db "$PG_PORT" gmtools
say "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT (data in $DATA)"

export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=gmtools"
export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"

build() {
    local project=$1 log="$STATE/build.log"
    if ! dotnet build "$project" -c Release -nologo -v q -clp:NoSummary >"$log" 2>&1; then
        grep -E 'error|Error' "$log" | sort -u | head -n 20 >&2
        echo "build of $project failed (full log: $log)" >&2
        exit 1
    fi
}
say "building the server, the console and the simulator (Release; about 2 minutes on a fresh clone, seconds after that)"
build src/GmTools.Server
build src/GmTools.Console
build src/GmTools.Simulator
say "built"

say "migrating the database and seeding the demo world"
(cd src/GmTools.Server && dotnet "$REPO/$SERVER_DLL" seed-demo "$STATE/env.new" --urls "http://127.0.0.1:$APP_PORT") \
    >"$STATE/seed.log" 2>&1 || { cat "$STATE/seed.log" >&2; echo "seeding failed (log: $STATE/seed.log)" >&2; exit 1; }
sed -n 's/^demo: /    /p' "$STATE/seed.log"
{
    echo "# written by deploy/run.sh on $(date -u +%FT%TZ); tokens expire after GmTools:Jwt:DevTokenLifetime (12 h)"
    echo "export GMTOOLS_URL=http://127.0.0.1:$APP_PORT"
    echo "export GMTOOLS_CONSOLE_URL=http://127.0.0.1:$CONSOLE_PORT"
    cat "$STATE/env.new"
} >"$STATE/env"
rm -f "$STATE/env.new"
chmod 600 "$STATE/env"

SERVER_PID=""
CONSOLE_PID=""
stop_children() {
    trap - INT TERM EXIT
    echo
    if [ -n "$SERVER_PID" ]; then
        say "stopping the server and the console"
        stop_pidfile "$STATE/server.pid" "the GmTools server"
    else
        say "the server has stopped"
        rm -f "$STATE/server.pid"
    fi
    [ -z "$CONSOLE_PID" ] || stop_pidfile "$STATE/console.pid" "the GmTools console"
    if [ ! -e "$STATE/stopping" ] && gm_pg_running "$DATA/pg"; then
        echo "PostgreSQL and Redis keep running for the next start; 'deploy/run.sh stop' stops them"
    fi
}
trap 'stop_children; exit 130' INT TERM
trap stop_children EXIT

say "starting the gRPC server on http://127.0.0.1:$APP_PORT"
(cd src/GmTools.Server && exec dotnet "$REPO/$SERVER_DLL" --urls "http://127.0.0.1:$APP_PORT") &
SERVER_PID=$!
echo "$SERVER_PID" >"$STATE/server.pid"
(cd src/GmTools.Console && GmTools__Console__ServerAddress="http://127.0.0.1:$APP_PORT" \
    exec dotnet "$REPO/$CONSOLE_DLL" --urls "http://127.0.0.1:$CONSOLE_PORT") >"$STATE/console.log" 2>&1 &
CONSOLE_PID=$!
echo "$CONSOLE_PID" >"$STATE/console.pid"

for _ in $(seq 1 240); do
    gm_port_in_use "$APP_PORT" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server exited during start-up (see above)" >&2; exit 1; }
    sleep 0.25
done
gm_port_in_use "$APP_PORT" || { echo "the server did not listen on port $APP_PORT within 60 s" >&2; exit 1; }
# The banner names the console too: give it the same minute (it starts alongside; without it the server still works).
for _ in $(seq 1 240); do
    gm_port_in_use "$CONSOLE_PORT" && break
    kill -0 "$CONSOLE_PID" 2>/dev/null || break
    sleep 0.25
done
gm_port_in_use "$CONSOLE_PORT" || say "the console is not listening on port $CONSOLE_PORT (log: $STATE/console.log); the gRPC server works without it"

ENV_SHOWN=$STATE/env
case "$STATE" in "$REPO"/*) ENV_SHOWN=${STATE#"$REPO"/}/env ;; esac
cat <<EOF

================================================================================
GmTools is ready ($((SECONDS - STARTED)) s).
  gRPC server  http://127.0.0.1:$APP_PORT   (h2c; reflection on, so buf curl needs no protos)
  console      http://127.0.0.1:$CONSOLE_PORT   demo staff: ada.admin, sam.supervisor, sue.supervisor,
               gus.gm, gia.gm (s1 only), amy.agent, vic.viewer (log: $STATE/console.log)

Tokens and game-server credentials: paste these lines into your shell, or run
  source $ENV_SHOWN

$(grep '^export' "$STATE/env")

Ctrl-C stops the server and the console; 'deploy/run.sh stop' (from another shell) stops everything.
================================================================================
EOF

# The server's own log follows; wait returns early when a trapped signal arrives, hence the loop.
while kill -0 "$SERVER_PID" 2>/dev/null; do wait "$SERVER_PID" || true; done
SERVER_PID=""
