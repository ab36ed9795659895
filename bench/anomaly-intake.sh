#!/usr/bin/env bash
# Anomaly intake (issue #19): ReportAnomalies batches of 100 from game-server callers through one replica, stored,
# audited and aggregated (Redis windows, thresholds decided in PostgreSQL), next to the same run's echo RPC and `pgbench -N`.
# A throwaway PostgreSQL with durable settings (fsync, synchronous_commit on) + Redis; one in-process replica on a
# real socket. Extra args go to the bench, e.g. --seconds 20 --callers 16.
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
bench/GmTools.Bench/bin/Release/net10.0/GmTools.Bench anomaly-intake \
    --postgres "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" \
    --redis "127.0.0.1:$REDIS_PORT" --pgbench "$GMTOOLS_PG_BIN/pgbench" "$@"
