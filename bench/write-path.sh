#!/usr/bin/env bash
# The write and delivery path (issue #12): audited mutes vs `pgbench -N` in the same run, the audit chain's unlinked
# window, 2,000 idle GameLink streams (server CPU, PostgreSQL transactions/s) and ban → kick while they are held.
# A throwaway durable PostgreSQL + Redis; one in-process replica on a real socket; the idle streams' clients in a
# second process. Extra args go to the verb, e.g. --seconds 20 (GmTools.Bench write-path --help).
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
bench_services
bench_run write-path --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" --pgbench "$BENCH_PGBENCH" "$@"
