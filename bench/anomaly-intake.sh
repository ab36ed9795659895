#!/usr/bin/env bash
# Anomaly intake (issue #19): ReportAnomalies batches of 100 from game-server callers through one replica, stored,
# audited and aggregated, next to the same run's echo RPC and `pgbench -N`, on a throwaway durable PostgreSQL + Redis.
# Extra args go to the verb, e.g. --seconds 20 --callers 16 (GmTools.Bench anomaly-intake --help).
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
bench_services
bench_run anomaly-intake --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" --pgbench "$BENCH_PGBENCH" "$@"
