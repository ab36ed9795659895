#!/usr/bin/env bash
# The one performance command (issue #23):  bash bench/run.sh [quick|full|tiny]
# Starts a throwaway durable PostgreSQL and a Redis, runs the load verb of bench/GmTools.Bench: simulated game servers
# and staff over real gRPC against a GmTools replica on a loopback socket, each path beside a baseline measured in the
# same run (bare gRPC echo, pgbench -S / -N, redis-benchmark plain / -P 16, raw binary COPY). Prints one table and
# writes bench/results/<profile>-<UTC time>/load.{md,csv,png}. quick: under 10 minutes on 2 cores.
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
PROFILE=${1:-quick}
[ $# -gt 0 ] && shift
REDIS_BENCHMARK=$(command -v redis-benchmark || true)
[ -n "$REDIS_BENCHMARK" ] || { gm_log "redis-benchmark not found (Debian package redis-tools)"; exit 1; }
bench_services
OUT="bench/results/$PROFILE-$(date -u +%Y%m%dT%H%M%SZ)"
bench_run load --profile "$PROFILE" --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" --pgbench "$BENCH_PGBENCH" \
    --redis-benchmark "$REDIS_BENCHMARK" --out "$OUT" "$@"
