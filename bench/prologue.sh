# The one prologue of every bench script (sourced, not run):
#   . "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
#   bench_services [fast] [no-redis]   throwaway PostgreSQL (durable: fsync and synchronous_commit on, unless
#                                      "fast") and Redis, stopped and removed when the script exits; sets
#                                      BENCH_POSTGRES (superuser connection string), BENCH_REDIS (host:port), BENCH_PGBENCH
#   bench_run VERB [ARGS...]           the one bench program (bench/GmTools.Bench, built once in Release)
set -euo pipefail
BENCH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$BENCH_REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
gm_ensure_packages

BENCH_WORK=$(mktemp -d "${TMPDIR:-/tmp}/gmtools-bench.XXXXXX")
chmod 711 "$BENCH_WORK"
# PostgreSQL runs as its own user when we are root: that user must be able to reach the data directory.
if ! gm_pg_dir_ok "$BENCH_WORK"; then rm -rf "$BENCH_WORK"; BENCH_WORK=$(mktemp -d /tmp/gmtools-bench.XXXXXX); chmod 711 "$BENCH_WORK"; fi
bench_cleanup() { gm_pg_stop "$BENCH_WORK/pg" >&2 || true; gm_redis_stop "$BENCH_WORK/redis" >&2 || true; rm -rf "$BENCH_WORK"; }
trap bench_cleanup EXIT

bench_services() {
    local fast="" redis=1 arg
    for arg in "$@"; do
        case $arg in
            fast) fast=fast ;;
            no-redis) redis="" ;;
            *) gm_log "bench_services: unknown argument $arg"; return 1 ;;
        esac
    done
    local pg_port redis_port
    pg_port=$(gm_free_port)
    gm_pg_start "$BENCH_WORK/pg" "$pg_port" $fast >&2
    BENCH_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
    BENCH_PGBENCH="$GMTOOLS_PG_BIN/pgbench"
    local what="PostgreSQL $("$GMTOOLS_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (${fast:-durable})"
    if [ -n "$redis" ]; then
        redis_port=$(gm_free_port "$pg_port")
        gm_redis_start "$BENCH_WORK/redis" "$redis_port" >&2
        BENCH_REDIS="127.0.0.1:$redis_port"
        what="$what, Redis $("$GMTOOLS_REDIS_SERVER" --version | awk '{print $3}') on $BENCH_REDIS"
    fi
    export BENCH_POSTGRES BENCH_REDIS BENCH_PGBENCH
    echo "$what"
}

BENCH_BUILT=""
bench_run() {
    if [ -z "$BENCH_BUILT" ]; then
        # A failed build must stop here, not run the binary of an older build.
        dotnet build -c Release bench/GmTools.Bench -v q -nologo >"$BENCH_WORK/build.log" 2>&1 \
            || { grep -E "error" "$BENCH_WORK/build.log" | sort -u >&2; gm_log "bench build failed"; return 1; }
        BENCH_BUILT=1
    fi
    bench/GmTools.Bench/bin/Release/net10.0/GmTools.Bench "$@"
}
