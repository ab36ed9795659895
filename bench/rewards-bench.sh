#!/usr/bin/env bash
# Rewards: a 1,000,000-player compensation campaign expanded and stored, next to raw COPY and INSERT ... SELECT
# baselines on the same throwaway durable PostgreSQL. Extra args go to the verb: [--players N] [--chunk N] [--servers N].
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
bench_services no-redis
bench_run rewards --postgres "$BENCH_POSTGRES" "$@"
