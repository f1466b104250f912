#!/usr/bin/env bash
# The project's one test command.
#
#   scripts/test.sh                      # build and run the whole test suite
#   scripts/test.sh --filter SomeTests   # arguments are passed to `swift test`
#
# Starts a throwaway PostgreSQL server on a free port on 127.0.0.1, exports
# CHATTER_TEST_POSTGRES_URL / CHATTER_TEST_REQUIRE_POSTGRES=1 for the tests,
# and always stops the server and deletes its data directory on exit. The tests'
# own temporary files (SQLite databases, config files) go to a throwaway
# TMPDIR, deleted on exit too.
# The exit code is the test run's exit code.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "test.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

apt_install() {
    is_root || die "missing $*; install it (apt-get install $*) or run as root"
    log "installing $* with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null
}

# ---------------------------------------------------------------- tools

command -v python3 >/dev/null 2>&1 || apt_install python3

find_pg_bin() {
    local d best="" best_ver=-1 ver
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] || continue
        ver=$(basename "$(dirname "$d")")
        ver=${ver%%.*}
        [[ "$ver" =~ ^[0-9]+$ ]] || continue
        if [ "$ver" -gt "$best_ver" ]; then best_ver=$ver; best=$d; fi
    done
    echo "$best"
}

PG_BIN=$(find_pg_bin)
if [ -z "$PG_BIN" ]; then
    log "PostgreSQL server binaries not found under /usr/lib/postgresql"
    apt_install postgresql
    PG_BIN=$(find_pg_bin)
    [ -n "$PG_BIN" ] || die "PostgreSQL installed but no /usr/lib/postgresql/*/bin/initdb found"
fi
log "using PostgreSQL from $PG_BIN"

# PostgreSQL refuses to run as root: run its programs as the postgres user.
if is_root; then
    if ! getent passwd postgres >/dev/null; then
        log "creating system user postgres"
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    if command -v runuser >/dev/null 2>&1; then
        as_pg() { (cd / && runuser -u postgres -- "$@"); }
    else
        as_pg() { (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")"); }
    fi
else
    as_pg() { "$@"; }
fi

# ---------------------------------------------------------------- server

PG_DIR=""
TEST_TMP=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$TEST_TMP" ]; then rm -rf "$TEST_TMP"; fi
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/postmaster.pid" ]; then
            log "stopping PostgreSQL"
            as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PG_DIR=$(mktemp -d /tmp/chatter-test-pg.XXXXXX)
is_root && chown postgres:postgres "$PG_DIR"

log "initialising throwaway database cluster in $PG_DIR"
initdb_args=(-D "$PG_DIR" --auth=trust --username=postgres -E UTF8 --no-sync)
if ! initdb_out=$(as_pg "$PG_BIN/initdb" "${initdb_args[@]}" --locale=C.UTF-8 2>&1); then
    log "initdb with --locale=C.UTF-8 failed; retrying with --locale=C"
    # initdb empties the directory on failure; make sure nothing is left over.
    find "$PG_DIR" -mindepth 1 -delete 2>/dev/null || true
    if ! initdb_out=$(as_pg "$PG_BIN/initdb" "${initdb_args[@]}" --locale=C 2>&1); then
        echo "$initdb_out" >&2
        die "initdb failed"
    fi
fi

free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

PG_PORT=""
for attempt in 1 2 3; do
    port=$(free_port)
    log "starting PostgreSQL on 127.0.0.1:$port"
    if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" \
        -o "-h 127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        -l "$PG_DIR/log" -w -t 60 start >/dev/null </dev/null; then
        PG_PORT=$port
        break
    fi
    log "PostgreSQL failed to start (attempt $attempt); server log:"
    tail -n 20 "$PG_DIR/log" >&2 || true
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate -w stop >/dev/null 2>&1 || true
done
[ -n "$PG_PORT" ] || die "could not start PostgreSQL"

export CHATTER_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export CHATTER_TEST_REQUIRE_POSTGRES=1
log "PostgreSQL ready: CHATTER_TEST_POSTGRES_URL=$CHATTER_TEST_POSTGRES_URL"

# ---------------------------------------------------------------- python

if ! python3 -c 'import openai' >/dev/null 2>&1; then
    if ! python3 -m pip --version >/dev/null 2>&1; then
        apt_install python3-pip
    fi
    log "installing Python package openai"
    if ! python3 -m pip install -q openai </dev/null; then
        # Debian's system Python is "externally managed" (PEP 668).
        log "pip install failed; retrying with --break-system-packages"
        python3 -m pip install -q --break-system-packages openai </dev/null \
            || die "could not install the Python package openai"
    fi
    python3 -c 'import openai' >/dev/null 2>&1 \
        || die "Python package openai installed but cannot be imported by python3"
fi

# ---------------------------------------------------------------- promtool

# `/metrics` is checked with Prometheus's own linter.
if ! command -v promtool >/dev/null 2>&1; then
    if is_root; then
        log "installing promtool (Debian package prometheus)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus </dev/null
    else
        die "missing promtool; install it (apt-get install prometheus) or run as root"
    fi
fi
export CHATTER_TEST_PROMTOOL="$(command -v promtool)"

# ---------------------------------------------------------------- tests

log "building (swift build --build-tests)"
swift build --build-tests

TEST_TMP=$(mktemp -d /tmp/chatter-test-tmp.XXXXXX)
log "running tests (swift test --skip-build $*) with TMPDIR=$TEST_TMP"
TMPDIR="$TEST_TMP" swift test --skip-build "$@"
log "tests passed"
