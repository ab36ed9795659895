#!/usr/bin/env bash
# GameLink benchmark: a throwaway PostgreSQL (durable settings) + Redis, then two in-process GmTools replicas on
# real sockets and a simulated game server (bench/GmTools.Bench). Extra args go to the bench, e.g. --commands 200000.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
gm_ensure_packages
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gmtools-bench.XXXXXX")
chmod 711 "$WORK"
if ! gm_pg_dir_ok "$WORK"; then rm -rf "$WORK"; WORK=$(mktemp -d /tmp/gmtools-bench.XXXXXX); chmod 711 "$WORK"; fi
cleanup() { gm_pg_stop "$WORK/pg" >&2 || true; gm_redis_stop "$WORK/redis" >&2 || true; rm -rf "$WORK"; }
trap cleanup EXIT
PG_PORT=$(gm_free_port)
REDIS_PORT=$(gm_free_port "$PG_PORT")
gm_pg_start "$WORK/pg" "$PG_PORT"
gm_redis_start "$WORK/redis" "$REDIS_PORT"
echo "PostgreSQL $("$GMTOOLS_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT, Redis $("$GMTOOLS_REDIS_SERVER" --version | awk '{print $3}') on 127.0.0.1:$REDIS_PORT"
dotnet run -c Release --project bench/GmTools.Bench -- gamelink \
    --postgres "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" \
    --redis "127.0.0.1:$REDIS_PORT" "$@"
