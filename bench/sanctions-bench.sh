#!/usr/bin/env bash
# CheckAccess vs a bare Echo RPC over HTTP/2 on loopback, on a throwaway PostgreSQL + Redis.
#   bench/sanctions-bench.sh [--seconds N] [--concurrency N] [--connections N]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

gm_ensure_packages
WORK=$(mktemp -d /tmp/gmtools-bench.XXXXXX)
chmod 711 "$WORK"
cleanup() { gm_pg_stop "$WORK/pg" >&2 || true; gm_redis_stop "$WORK/redis" >&2 || true; rm -rf "$WORK"; }
trap cleanup EXIT
PG_PORT=$(gm_free_port)
REDIS_PORT=$(gm_free_port "$PG_PORT")
gm_pg_start "$WORK/pg" "$PG_PORT" fast >&2
gm_redis_start "$WORK/redis" "$REDIS_PORT" >&2
gm_pg_create_db "$PG_PORT" gmtools_bench >&2

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=gmtools_bench;Maximum Pool Size=50"
export ConnectionStrings__Redis="127.0.0.1:$REDIS_PORT"
dotnet run -c Release --project bench/GmTools.Sanctions.Bench -- sanctions "$@"
