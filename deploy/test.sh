#!/usr/bin/env bash
# Run the whole test suite against a throwaway PostgreSQL + Redis.
#   deploy/test.sh [extra dotnet test args, e.g. --filter Name~Foo]
# GMTOOLS_TEST_KEEP=1 keeps the temp dir (data + logs); services are still stopped.
# Last line of output is always "N passed, N failed".
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=deploy/local/services.sh
. deploy/local/services.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

WORK=""
LOG=""
TEST_RC=1   # stays 1 unless dotnet test actually ran and succeeded
LINT=""     # "passed"/"failed" once buf lint ran; counted like one more test
QUICKSTART=""   # "passed"/"failed" once the README quick-start test ran; counted like one more test

# mktemp's 0700 dir must be traversable for 'postgres' when we are root.
make_workdir() {
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/gmtools-test.XXXXXX")
    chmod 711 "$dir"
    if ! gm_pg_dir_ok "$dir"; then
        rm -rf "$dir"
        dir=$(mktemp -d /tmp/gmtools-test.XXXXXX)
        chmod 711 "$dir"
        gm_log "user postgres cannot reach \$TMPDIR; using $dir"
    fi
    echo "$dir"
}

# Runs on every exit: stop services, drop the dir, print the summary last.
finish() {
    local counts passed=0 failed=1
    trap - EXIT INT TERM
    if [ -n "$WORK" ]; then
        gm_pg_stop "$WORK/pg" >&2 || true
        gm_redis_stop "$WORK/redis" >&2 || true
        gm_redis_cluster_stop "$WORK/redis-cluster" >&2 || true
    fi
    counts=""
    if [ -n "$LOG" ]; then counts=$(gm_test_counts "$LOG"); fi
    if [ -n "$counts" ]; then
        read -r passed failed <<<"$counts"
        # A red run must never read "0 failed" (e.g. one project failed to build).
        if [ "$TEST_RC" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    fi
    case "$LINT" in
        passed) passed=$((passed + 1)) ;;
        failed) failed=$((failed + 1)) ;;
    esac
    case "$QUICKSTART" in
        passed) passed=$((passed + 1)) ;;
        failed) failed=$((failed + 1)) ;;
    esac
    if [ -n "$WORK" ]; then
        if [ "${GMTOOLS_TEST_KEEP:-}" = 1 ]; then
            echo "kept test dir: $WORK (log: $LOG)"
        else
            rm -rf "$WORK"
        fi
    fi
    echo "$passed passed, $failed failed"
    if [ "$TEST_RC" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$LINT" != failed ] && [ "$QUICKSTART" != failed ]; then exit 0; fi
    exit 1
}
trap finish EXIT
trap 'exit 130' INT TERM   # route signals through the EXIT trap

GMTOOLS_BROWSER=1 gm_ensure_packages
WORK=$(make_workdir)
LOG="$WORK/dotnet-test.log"

PG_PORT=$(gm_free_port)
REDIS_PORT=$(gm_free_port "$PG_PORT")
gm_pg_start "$WORK/pg" "$PG_PORT" fast
gm_redis_start "$WORK/redis" "$REDIS_PORT"
echo "test PostgreSQL 127.0.0.1:$PG_PORT, Redis 127.0.0.1:$REDIS_PORT, dir $WORK"
# A 3-master Redis Cluster for the tests that run the Redis-using capabilities on a cluster (a few MB, ~1 s).
taken=("$PG_PORT" "$REDIS_PORT")
for _ in 1 2 3 4 5 6; do taken+=("$(gm_free_port "${taken[@]}")"); done
gm_redis_cluster_start "$WORK/redis-cluster" "${taken[@]:2}"
GMTOOLS_TEST_REDIS_CLUSTER="127.0.0.1:${taken[2]},127.0.0.1:${taken[3]},127.0.0.1:${taken[4]}"
echo "test Redis Cluster $GMTOOLS_TEST_REDIS_CLUSTER"

export GMTOOLS_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Maximum Pool Size=50"
export GMTOOLS_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export GMTOOLS_TEST_REDIS_CLUSTER
export GMTOOLS_PG_BIN GMTOOLS_REDIS_SERVER
# The console's browser tests write their screenshots here (git-ignored).
export GMTOOLS_SCREENSHOTS="${GMTOOLS_SCREENSHOTS:-$REPO/artifacts/screenshots}"
echo "console screenshots: $GMTOOLS_SCREENSHOTS"

# The protos must stay `buf lint` clean. buf comes from npm (pinned in tools/); without npm we say so and go on.
lint_protos() {
    if ! command -v npm >/dev/null 2>&1; then
        gm_log "npm not found: skipping buf lint"
        return 0
    fi
    if ! gm_ensure_tools "$REPO"; then
        LINT=failed
        return 0
    fi
    if (cd protos && ../tools/node_modules/.bin/buf lint); then
        echo "buf lint: clean"
        LINT=passed
    else
        echo "buf lint: FAILED"
        LINT=failed
    fi
}
lint_protos

SLN=GmTools.sln
[ -f "$SLN" ] || [ ! -f GmTools.slnx ] || SLN=GmTools.slnx

set +e
dotnet test "$SLN" -c Release --logger "console;verbosity=normal" "$@" 2>&1 | tee "$LOG"
TEST_RC=${PIPESTATUS[0]}
set -e

# The README's quick start, followed as written (deploy/quickstart-test.sh), after the suite so that its build is
# the suite's: the whole run by default, skipped when arguments pick tests (GMTOOLS_QUICKSTART=1 / 0 overrides).
if [ "${GMTOOLS_QUICKSTART:-$([ $# -eq 0 ] && echo 1 || echo 0)}" = 1 ]; then
    if bash deploy/quickstart-test.sh "$WORK/quickstart"; then QUICKSTART=passed; else QUICKSTART=failed; fi
fi
