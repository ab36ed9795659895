#!/usr/bin/env bash
# GameLink: two in-process GmTools replicas on real sockets and a simulated game server, on a throwaway durable
# PostgreSQL + Redis. Extra args go to the verb, e.g. --commands 200000 (GmTools.Bench gamelink --help).
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
bench_services
bench_run gamelink --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" "$@"
