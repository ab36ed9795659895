#!/usr/bin/env bash
# A/B of runtime settings (or driver switches) on the load command's CheckAccess part: one build, one PostgreSQL and
# Redis, the access-only load run once per setting and round, back to back, so the settings meet the same neighbours.
#   bash bench/access-ab.sh PROFILE ROUNDS CFG...      CFG: "default", or space-separated VAR=VALUE environment settings
#   e.g. bash bench/access-ab.sh quick 2 default DOTNET_gcServer=0 DOTNET_GCDynamicAdaptationMode=0
#   A CFG may name another build of the bench: "BENCH_BIN=/copy/of/bin/Release/net10.0" (old vs new binary, same minute).
# Prints each run's machine line and its per-path lines (rate, latency, GC, load average); tables go to bench/results/.
. "$(dirname "${BASH_SOURCE[0]}")/prologue.sh"
PROFILE=$1; ROUNDS=$2; shift 2
REDIS_BENCHMARK=$(command -v redis-benchmark)
bench_services
[ -n "${BENCH_NO_BUILD:-}" ] || bench_run --help >/dev/null   # BENCH_NO_BUILD=1: every CFG names its BENCH_BIN
for round in $(seq 1 "$ROUNDS"); do
  for cfg in "$@"; do
    echo "=== round $round cfg [$cfg] $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    vars=(); [ "$cfg" = default ] || read -r -a vars <<<"$cfg"
    bin=bench/GmTools.Bench/bin/Release/net10.0
    for v in "${vars[@]}"; do case $v in BENCH_BIN=*) bin=${v#BENCH_BIN=} ;; esac; done
    env "${vars[@]}" "$bin/GmTools.Bench" load --profile "$PROFILE" --access-only \
      --postgres "$BENCH_POSTGRES" --redis "$BENCH_REDIS" --pgbench "$BENCH_PGBENCH" --redis-benchmark "$REDIS_BENCHMARK" \
      --out "bench/results/access-ab-$(date -u +%Y%m%dT%H%M%SZ)-$round-$(echo "$cfg" | tr -c 'A-Za-z0-9' _)" | grep --line-buffered -E "^- |driver lateness|^Machine|µs/call|verified"
  done
done
