# shellcheck shell=bash
# GmTools local services: PostgreSQL + Redis without Docker and without the
# distro's system services. Source this file; it only defines functions and
# exports GMTOOLS_PG_BIN / GMTOOLS_REDIS_SERVER / GMTOOLS_REDIS_CLI.
#
#   gm_ensure_packages              apt-get install whatever is missing
#   gm_free_port [EXCLUDE...]       print a free TCP port on 127.0.0.1
#   gm_pg_start DIR PORT [fast]     initdb (if needed) + start; "fast" = test tuning
#   gm_pg_stop DIR
#   gm_pg_create_db PORT NAME       create a database if it does not exist
#   gm_pg_replica_start PRIMARY_PORT DIR PORT
#                                   a streaming replica of the primary on PRIMARY_PORT (pg_basebackup)
#   gm_redis_start DIR PORT [ARGS...] extra ARGS go to redis-server
#   gm_redis_stop DIR [PORT]
#   gm_redis_cluster_start DIR P1 P2 P3 B1 B2 B3
#                                   a 3-master Redis Cluster (ports P*, cluster bus ports B*)
#   gm_redis_cluster_stop DIR
#   gm_pg_dir_ok DIR                can the postgres server user reach DIR?
#   gm_test_counts LOGFILE          "PASSED FAILED" summed from dotnet test output
#   gm_ensure_tools REPO            npm ci the pinned tools/ (buf) when missing or stale
#
# Functions return non-zero on failure instead of exiting, so they behave the
# same whether or not the caller uses `set -e`.

gm_log() { echo "gmtools: $*" >&2; }

gm_is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------- binaries --

# Highest installed PostgreSQL major wins; a caller may pre-set GMTOOLS_PG_BIN
# or GMTOOLS_REDIS_SERVER to use other builds.
gm_detect_bins() {
    if [ -z "${GMTOOLS_PG_BIN:-}" ] || [ ! -x "${GMTOOLS_PG_BIN}/initdb" ]; then
        GMTOOLS_PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
        [ -x "$GMTOOLS_PG_BIN/initdb" ] || GMTOOLS_PG_BIN=""
    fi
    if [ -z "${GMTOOLS_REDIS_SERVER:-}" ] || [ ! -x "$GMTOOLS_REDIS_SERVER" ]; then
        GMTOOLS_REDIS_SERVER=$(command -v redis-server || true)
    fi
    GMTOOLS_REDIS_CLI=$(command -v redis-cli || true)
    if [ -n "$GMTOOLS_REDIS_SERVER" ] && [ -x "$(dirname "$GMTOOLS_REDIS_SERVER")/redis-cli" ]; then
        GMTOOLS_REDIS_CLI="$(dirname "$GMTOOLS_REDIS_SERVER")/redis-cli"
    fi
    export GMTOOLS_PG_BIN GMTOOLS_REDIS_SERVER GMTOOLS_REDIS_CLI
}

# pg_trgm lives in the contrib package, which is a separate install.
gm_pg_has_trgm() {
    local share=""
    [ -n "$GMTOOLS_PG_BIN" ] || return 1
    if [ -x "$GMTOOLS_PG_BIN/pg_config" ]; then
        share=$("$GMTOOLS_PG_BIN/pg_config" --sharedir 2>/dev/null || true)
    fi
    [ -n "$share" ] || share="/usr/share/postgresql/$(basename "$(dirname "$GMTOOLS_PG_BIN")")"
    [ -f "$share/extension/pg_trgm.control" ]
}

gm_missing_packages() {
    local missing=()
    gm_detect_bins
    [ -n "$GMTOOLS_PG_BIN" ] || missing+=(postgresql)
    gm_pg_has_trgm || missing+=(postgresql-contrib)
    [ -n "$GMTOOLS_REDIS_SERVER" ] || missing+=(redis-server)
    [ -n "$GMTOOLS_REDIS_CLI" ] || missing+=(redis-tools)
    # The console's browser tests: Debian's Chromium and its driver, and CJK fonts (GMTOOLS_BROWSER=1).
    if [ "${GMTOOLS_BROWSER:-}" = 1 ]; then
        [ -x /usr/bin/chromium ] || missing+=(chromium)
        [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
        [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
    fi
    echo "${missing[*]}"
}

# Installs only what is missing; `apt-get update` runs once, and only then.
gm_ensure_packages() {
    local missing sudo="" log i
    missing=$(gm_missing_packages)
    [ -n "$missing" ] || return 0
    if ! gm_is_root; then
        command -v sudo >/dev/null || { gm_log "need root (or sudo) to install: $missing"; return 1; }
        sudo="sudo"
    fi
    gm_log "installing missing packages: $missing"
    log=$(mktemp)
    # Another apt may hold the lock (e.g. image provisioning): wait for it
    # instead of failing; the update step is retried for the same reason.
    local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q)
    [ -z "$sudo" ] || apt=(sudo "${apt[@]}")
    for i in 1 2 3 4 5; do
        "${apt[@]}" update >"$log" 2>&1 && break
        [ "$i" -lt 5 ] || { tail -n 20 "$log" >&2; rm -f "$log"; return 1; }
        sleep 10
    done
    # shellcheck disable=SC2086  # $missing is a word list on purpose
    if ! "${apt[@]}" install -y --no-install-recommends $missing >>"$log" 2>&1; then
        tail -n 30 "$log" >&2; rm -f "$log"; return 1
    fi
    rm -f "$log"
    missing=$(gm_missing_packages)
    [ -z "$missing" ] || { gm_log "still missing after apt-get: $missing"; return 1; }
}

# ------------------------------------------------------------------- ports --

gm_port_in_use() {
    local port=$1
    if command -v ss >/dev/null 2>&1 && ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
        return 0
    fi
    # Fallback that needs nothing installed: a successful connect = a listener.
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

# Picks from 20000-31999, below Linux's ephemeral range (32768+), so an
# outgoing connection cannot grab the port between this check and our bind.
gm_free_port() {
    local port i ex skip
    for i in $(seq 1 200); do
        port=$((20000 + RANDOM % 12000))
        skip=""
        for ex in "$@"; do [ "$ex" = "$port" ] && skip=1; done
        [ -z "$skip" ] || continue
        gm_port_in_use "$port" || { echo "$port"; return 0; }
    done
    gm_log "no free TCP port found"; return 1
}

# -------------------------------------------------------------- postgresql --

# PostgreSQL refuses to run as root, so as root every server-side tool runs as
# the 'postgres' user (from cwd / so it never trips over an unreadable cwd).
gm_as_pg() {
    if gm_is_root; then
        (cd / && "$(command -v runuser || echo /usr/sbin/runuser)" -u postgres -- env LC_ALL=C "$@")
    else
        env LC_ALL=C "$@"
    fi
}

# True if the server user can traverse into DIR (every parent needs o+x).
gm_pg_dir_ok() {
    gm_is_root || return 0
    id postgres >/dev/null 2>&1 || return 1
    gm_as_pg test -x "$1"
}

gm_pg_locale() {
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then echo C.UTF-8; else echo C; fi
}

gm_pg_init() {
    local dir=$1 fast=$2 out
    [ -f "$dir/PG_VERSION" ] && return 0
    mkdir -p "$dir" || return 1
    if [ -n "$(ls -A "$dir")" ]; then
        gm_log "$dir is not empty and not a PostgreSQL cluster; refusing to initdb"; return 1
    fi
    chmod 700 "$dir"
    if gm_is_root; then chown postgres:postgres "$dir" || return 1; fi
    gm_pg_dir_ok "$dir" || { gm_log "user postgres cannot reach $dir (parent dirs need o+x)"; return 1; }
    # --no-sync only for the throwaway test instance.
    out=$(gm_as_pg "$GMTOOLS_PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 \
            --locale="$(gm_pg_locale)" ${fast:+--no-sync} 2>&1) \
        || { echo "$out" >&2; gm_log "initdb failed for $dir"; return 1; }
}

# Settings live in gmtools.conf, rewritten on every start, so a changed port
# or tuning flag applies without touching the initdb-generated postgresql.conf.
gm_pg_write_conf() {
    local dir=$1 port=$2 fast=$3 sock="$1/sock"
    # Unix socket paths max out at ~107 bytes; long data dirs use /tmp.
    [ $(( ${#sock} + 20 )) -lt 100 ] || sock=/tmp
    if [ "$sock" != /tmp ]; then
        mkdir -p "$sock" && chmod 700 "$sock"
        if gm_is_root; then chown postgres:postgres "$sock"; fi
    fi
    {
        echo "# written by deploy/local/services.sh on each start"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$sock'"
        # The test suite runs its classes side by side, each with its own database, pool and replicas (a few
        # hold three): 300 connections ran out once the suite passed ~60 classes with fixtures.
        if [ -n "$fast" ]; then echo "max_connections = 1000"; else echo "max_connections = 300"; fi
        echo "shared_buffers = 256MB"
        if [ -n "$fast" ]; then
            # Test instance only: data is thrown away, so durability is wasted I/O.
            echo "fsync = off"
            echo "synchronous_commit = off"
            echo "full_page_writes = off"
        fi
    } >"$dir/gmtools.conf" || return 1
    if gm_is_root; then chown postgres:postgres "$dir/gmtools.conf"; fi
    grep -q "^include_if_exists = 'gmtools.conf'" "$dir/postgresql.conf" \
        || echo "include_if_exists = 'gmtools.conf'" >>"$dir/postgresql.conf"
}

gm_pg_running() {
    [ -n "$GMTOOLS_PG_BIN" ] && [ -f "$1/PG_VERSION" ] || return 1
    gm_as_pg "$GMTOOLS_PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1
}

gm_pg_ready() {
    "$GMTOOLS_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres
}

gm_pg_wait_ready() {
    local i
    for i in $(seq 1 60); do gm_pg_ready "$1" && return 0; sleep 0.5; done
    gm_log "PostgreSQL on port $1 did not become ready"; return 1
}

# gm_pg_start DATA_DIR PORT [fast] — idempotent: an instance already running
# from DATA_DIR and answering on PORT is reused.
gm_pg_start() {
    local dir=$1 port=$2 fast=${3:-}
    gm_detect_bins
    [ -n "$GMTOOLS_PG_BIN" ] || { gm_log "PostgreSQL binaries not found"; return 1; }
    gm_pg_init "$dir" "$fast" || return 1
    if gm_pg_running "$dir"; then
        gm_pg_ready "$port" && return 0
        gm_log "PostgreSQL in $dir runs with other settings; restarting"
        gm_pg_stop "$dir" || return 1
    fi
    if gm_port_in_use "$port"; then
        gm_log "port $port is taken by another program (choose another port)"; return 1
    fi
    gm_pg_write_conf "$dir" "$port" "$fast" || return 1
    if ! gm_as_pg "$GMTOOLS_PG_BIN/pg_ctl" -D "$dir" -l "$dir/postgres.log" -w -t 60 -s start >/dev/null; then
        tail -n 20 "$dir/postgres.log" >&2
        gm_log "PostgreSQL failed to start (log: $dir/postgres.log)"; return 1
    fi
    gm_pg_wait_ready "$port"
}

gm_pg_stop() {
    local dir=$1
    gm_detect_bins
    gm_pg_running "$dir" || return 0
    gm_as_pg "$GMTOOLS_PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 60 -s stop
}

gm_pg_create_db() {
    local port=$1 db=$2 psql=("$GMTOOLS_PG_BIN/psql" -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres)
    if [ "$("${psql[@]}" -tAc "select 1 from pg_database where datname = '$db'")" != 1 ]; then
        "${psql[@]}" -c "create database \"$db\"" || return 1
        gm_log "created database $db"
    fi
}

# gm_pg_replica_start PRIMARY_PORT DIR PORT — a hot-standby streaming replica of the local primary on
# PRIMARY_PORT, made with pg_basebackup into DIR (once; later starts reuse it) and started on PORT. The primary needs
# what initdb gives by default: wal_level=replica, max_wal_senders > 0 and a "host replication" line in pg_hba.conf
# (--auth=trust writes one for 127.0.0.1). Stop it with gm_pg_stop DIR.
gm_pg_replica_start() {
    local primary=$1 dir=$2 port=$3 out
    gm_detect_bins
    [ -n "$GMTOOLS_PG_BIN" ] || { gm_log "PostgreSQL binaries not found"; return 1; }
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir" && chmod 700 "$dir" || return 1
        if gm_is_root; then chown postgres:postgres "$dir" || return 1; fi
        # -R writes standby.signal and primary_conninfo; -X stream carries the WAL written during the copy.
        out=$(gm_as_pg "$GMTOOLS_PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir" \
                -X stream -R -c fast --no-sync 2>&1) \
            || { echo "$out" >&2; gm_log "pg_basebackup from port $primary failed"; return 1; }
        rm -f "$dir/postmaster.pid" "$dir/gmtools.conf"
    fi
    gm_pg_start "$dir" "$port" fast
}

# ------------------------------------------------------------------- redis --

gm_redis_cli() { local port=$1; shift; "$GMTOOLS_REDIS_CLI" -h 127.0.0.1 -p "$port" "$@"; }

gm_redis_ping() { [ "$(gm_redis_cli "$1" ping 2>/dev/null)" = PONG ]; }

# PID from DIR/redis.pid if that process is alive and really is a redis-server
# (guards against PID reuse after a reboot).
gm_redis_pid() {
    local pid
    pid=$(cat "$1/redis.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && grep -q redis "/proc/$pid/comm" 2>/dev/null || return 1
    echo "$pid"
}

# gm_redis_start DATA_DIR PORT [REDIS-SERVER ARGS...] — idempotent like gm_pg_start.
gm_redis_start() {
    local dir=$1 port=$2 pid i
    shift 2
    gm_detect_bins
    [ -n "$GMTOOLS_REDIS_SERVER" ] || { gm_log "redis-server not found"; return 1; }
    mkdir -p "$dir" || return 1
    if pid=$(gm_redis_pid "$dir"); then
        gm_redis_cli "$port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid" && return 0
        gm_log "Redis from $dir runs on another port; restarting"
        gm_redis_stop "$dir" || return 1
    fi
    if gm_port_in_use "$port"; then
        gm_log "port $port is taken by another program (choose another port)"; return 1
    fi
    rm -f "$dir/redis.pid"
    # No persistence: this Redis is a cache for local runs and tests only.
    "$GMTOOLS_REDIS_SERVER" --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
        --save '' --appendonly no --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" \
        || { gm_log "redis-server failed to start"; return 1; }
    for i in $(seq 1 60); do gm_redis_ping "$port" && return 0; sleep 0.25; done
    tail -n 20 "$dir/redis.log" >&2
    gm_log "Redis on port $port did not answer PING (log: $dir/redis.log)"; return 1
}

# gm_redis_stop DATA_DIR [PORT] — stops the redis whose pidfile is in DATA_DIR.
gm_redis_stop() {
    local dir=$1 pid i
    pid=$(gm_redis_pid "$dir") || { rm -f "$dir/redis.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null   # SIGTERM = graceful shutdown (no save configured)
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
        gm_log "Redis $pid ignored SIGTERM; killing"; kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$dir/redis.pid"
}

# gm_redis_cluster_start DIR P1 P2 P3 B1 B2 B3 — three redis-servers in cluster mode (client ports P*, cluster
# bus ports B*, each node in DIR/node-P), joined with `redis-cli --cluster create` as three masters without
# replicas (the 16384 slots split in three), then waits until every node reports cluster_state:ok. A cluster
# already formed in DIR is reused. For tests and local trials: no persistence, no replicas.
gm_redis_cluster_start() {
    local dir=$1 i port state ok
    local ports=("$2" "$3" "$4") buses=("$5" "$6" "$7") nodes=()
    [ -n "$GMTOOLS_REDIS_CLI" ] || { gm_log "redis-cli not found"; return 1; }
    for i in 0 1 2; do
        port=${ports[$i]}
        gm_redis_start "$dir/node-$port" "$port" --cluster-enabled yes --cluster-port "${buses[$i]}" \
            --cluster-config-file "$dir/node-$port/nodes.conf" --cluster-node-timeout 5000 || return 1
        nodes+=("127.0.0.1:$port")
    done
    state=$(gm_redis_cli "${ports[0]}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_known_nodes://p')
    if [ "$state" != 3 ]; then
        "$GMTOOLS_REDIS_CLI" --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 \
            || { tail -n 20 "$dir/create.log" >&2; gm_log "redis-cli --cluster create failed (log: $dir/create.log)"; return 1; }
    fi
    for i in $(seq 1 80); do
        ok=0
        for port in "${ports[@]}"; do
            gm_redis_cli "$port" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok' && ok=$((ok + 1))
        done
        [ "$ok" -eq 3 ] && return 0
        sleep 0.25
    done
    gm_log "Redis Cluster on ports ${ports[*]} did not reach cluster_state:ok"; return 1
}

# gm_redis_cluster_stop DIR — stops every node gm_redis_cluster_start put in DIR.
gm_redis_cluster_stop() {
    local node
    for node in "$1"/node-*; do
        [ -d "$node" ] && gm_redis_stop "$node"
    done
    return 0
}

# ------------------------------------------------------------------- tools --

# `npm ci` installs exactly what tools/package-lock.json pins and never rewrites it (npm install would), so the
# tree stays clean. It runs only when node_modules is missing or older than the lock file.
gm_ensure_tools() {
    local tools=$1/tools
    command -v npm >/dev/null 2>&1 || { gm_log "npm not found: cannot install buf (apt-get install npm)"; return 1; }
    if [ -x "$tools/node_modules/.bin/buf" ] && [ "$tools/node_modules/.package-lock.json" -nt "$tools/package-lock.json" ]; then
        return 0
    fi
    npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error >/dev/null || { gm_log "npm ci in $tools failed"; return 1; }
}

# -------------------------------------------------------- test log summary --

# Prints "PASSED FAILED" summed over all test assemblies, or nothing if the
# log has no summary at all (e.g. the build failed). Understands both VSTest
# console formats:
#   minimal: "Passed!  - Failed:     0, Passed:    45, Skipped: 0, Total: 45, ... - X.dll (net10.0)"
#   normal:  "Test Run Successful." / "Total tests: 3" / "     Passed: 2" / "     Failed: 1"
# The per-assembly minimal lines win when present. Normal blocks from parallel
# assemblies may interleave line by line, so their lines are summed globally.
gm_test_counts() {
    sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r$//' "$1" 2>/dev/null | awk '
        /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
            gsub(/,/, " ")
            for (i = 1; i < NF; i++) {
                if ($i == "Failed:") mf += $(i + 1)
                if ($i == "Passed:") mp += $(i + 1)
            }
            m++; next
        }
        /^Test Run (Successful|Failed|Aborted)\./ { b++; next }
        /^ *Passed: +[0-9]+ *$/ { bp += $2; next }
        /^ *Failed: +[0-9]+ *$/ { bf += $2; next }
        END {
            if (m) print mp + 0, mf + 0
            else if (b) print bp + 0, bf + 0
        }'
}

gm_detect_bins
