#!/usr/bin/env bash
# Chat ingest end to end (issue #18): game servers stream world chat through IngestChat to one replica (replays
# checked, every line scored, Redis live state written, flags to PostgreSQL), next to the same run's redis-benchmark,
# on a throwaway durable PostgreSQL + Redis. Extra args go to the verb, e.g. --seconds 20 --game-servers 16
# (GmTools.Bench chat-ingest --help).
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
REDIS_BENCHMARK=$(command -v redis-benchmark || true)
[ -n "$REDIS_BENCHMARK" ] || { gm_log "redis-benchmark not found (Debian package redis-tools)"; exit 1; }
bench_services
bench_run chat-ingest --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" --redis-benchmark "$REDIS_BENCHMARK" "$@"
