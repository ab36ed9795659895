#!/usr/bin/env bash
# Run GmTools locally: PostgreSQL + Redis in <repo>/.local/, demo data, server.
#   deploy/run.sh          start PG/Redis (reused if already up), seed, run server
#   deploy/run.sh stop     stop the local PG and Redis
# Ports: GMTOOLS_PG_PORT (55432), GMTOOLS_REDIS_PORT (56379), GMTOOLS_PORT (5080), GMTOOLS_CONSOLE_PORT (5081).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh

PG_PORT=${GMTOOLS_PG_PORT:-55432}
REDIS_PORT=${GMTOOLS_REDIS_PORT:-56379}
APP_PORT=${GMTOOLS_PORT:-5080}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Development: migrations on start and the built-in development token signer (appsettings.Development.json).
export ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}

# <repo>/.local normally. As root the server runs as 'postgres', which must be
# able to traverse into it; if the repo is not reachable for that user (e.g.
# under a 0700 home dir), use a per-repo dir under /tmp instead.
state_dir() {
    local dir="$REPO/.local"
    mkdir -p "$dir" && chmod 711 "$dir"
    if gm_is_root && id postgres >/dev/null 2>&1 && ! gm_pg_dir_ok "$dir"; then
        dir="/tmp/gmtools-$(printf '%s' "$REPO" | md5sum | cut -c1-8)"
        mkdir -p "$dir" && chmod 711 "$dir"
        gm_log "user postgres cannot reach $REPO/.local; keeping local data in $dir"
    fi
    echo "$dir"
}

STATE=$(state_dir)

case "${1:-start}" in
    stop)
        gm_pg_stop "$STATE/pg"
        gm_redis_stop "$STATE/redis" "$REDIS_PORT"
        echo "stopped local PostgreSQL and Redis (data kept in $STATE)"
        exit 0 ;;
    start) ;;
    *)
        echo "usage: $0 [start|stop]" >&2
        exit 2 ;;
esac

gm_ensure_packages
gm_pg_start "$STATE/pg" "$PG_PORT"
gm_redis_start "$STATE/redis" "$REDIS_PORT"
gm_pg_create_db "$PG_PORT" gmtools
echo "PostgreSQL: 127.0.0.1:$PG_PORT (data $STATE/pg)  Redis: 127.0.0.1:$REDIS_PORT"

export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=gmtools"
export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"

# Builds, applies migrations, seeds demo data and prints ready-to-use tokens.
dotnet run --project src/GmTools.Server -c Release -- seed-demo

# The staff console next to the server (development sign-in with the same GmTools:Jwt key); stopped with it.
CONSOLE_PORT=${GMTOOLS_CONSOLE_PORT:-5081}
dotnet build src/GmTools.Console -c Release -nologo -v q >/dev/null
(cd src/GmTools.Console && GmTools__Console__ServerAddress="http://127.0.0.1:$APP_PORT" \
    exec dotnet bin/Release/net10.0/GmTools.Console.dll --urls "http://127.0.0.1:$CONSOLE_PORT") &
CONSOLE_PID=$!
trap 'kill "$CONSOLE_PID" 2>/dev/null || true' EXIT
echo "GmTools console: http://127.0.0.1:$CONSOLE_PORT   (demo staff: ada.admin, sam.supervisor, sue.supervisor, gus.gm, gia.gm [s1 only], amy.agent, vic.viewer)"

echo "GmTools gRPC server: http://127.0.0.1:$APP_PORT   (Ctrl-C stops it; 'deploy/run.sh stop' stops PG/Redis)"
dotnet run --project src/GmTools.Server -c Release --no-build -- --urls "http://127.0.0.1:$APP_PORT"
