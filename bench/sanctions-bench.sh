#!/usr/bin/env bash
# CheckAccess vs a bare Echo RPC over HTTP/2 on loopback, on a throwaway PostgreSQL (fast settings: the gate reads,
# it does not write) + Redis. Extra args go to the verb: [--seconds N] [--rounds N] [--concurrency N] [--connections N].
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
bench_services fast
bench_run sanctions --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" "$@"
