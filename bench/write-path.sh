#!/usr/bin/env bash
# The write and delivery path (issue #12): audited mutes vs `pgbench -N` in the same run, the audit chain's unlinked
# window, 2,000 idle GameLink streams (server CPU, PostgreSQL transactions/s) and ban → kick while they are held.
# A throwaway PostgreSQL with durable settings (fsync, synchronous_commit on) + Redis; one in-process replica on a
# real socket; the idle streams' clients in a second process. Extra args go to the bench, e.g. --seconds 20.
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
echo "PostgreSQL $("$GMTOOLS_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (durable), Redis $("$GMTOOLS_REDIS_SERVER" --version | awk '{print $3}')"
dotnet build -c Release bench/GmTools.Bench -v q -nologo 2>&1 | grep -E "error|Warn|warn" || true
bench/GmTools.Bench/bin/Release/net10.0/GmTools.Bench write-path \
    --postgres "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" \
    --redis "127.0.0.1:$REDIS_PORT" --pgbench "$GMTOOLS_PG_BIN/pgbench" "$@"
