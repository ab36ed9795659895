#!/usr/bin/env bash
# Rewards benchmark: a 1,000,000-player compensation campaign expanded and stored, next to raw COPY and
# INSERT ... SELECT baselines on the same throwaway PostgreSQL (durable settings: fsync on).
#   bench/rewards-bench.sh [players] [chunk] [servers]
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
. deploy/local/services.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
gm_ensure_packages
WORK=$(mktemp -d /tmp/gmtools-bench.XXXXXX)
chmod 711 "$WORK"
trap 'gm_pg_stop "$WORK/pg" >&2 || true; rm -rf "$WORK"' EXIT
PORT=$(gm_free_port)
gm_pg_start "$WORK/pg" "$PORT"
"$GMTOOLS_PG_BIN/postgres" --version
dotnet run -c Release --project bench/GmTools.Rewards.Bench -- \
    "Host=127.0.0.1;Port=$PORT;Username=postgres;Database=postgres" "$@"
