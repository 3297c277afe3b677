#!/usr/bin/env bash
# A throwaway PostgreSQL server for migcheck's database tests.
#
#   eval "$(bash .ci/postgres.sh start)"   # prints export lines, logs to stderr
#   bash .ci/postgres.sh stop [DIR]        # DIR defaults to $MIGCHECK_TEST_PG_DIR
#
# `start` runs the Debian server binaries (/usr/lib/postgresql/*/bin; installed with
# apt-get when missing and running as root) as the `postgres` system user on 127.0.0.1
# and a free port, with its data and Unix socket in a new temporary directory. It
# creates the role `migcheck` with a password that needs percent-encoding in a URL
# (password authentication, scram-sha-256, over TCP and the socket alike; only the
# `postgres` superuser is trusted on the socket) and the database `migcheck`. The role
# may create databases, so each test can have its own. The user `migcheck_tls_only` is
# refused on plain TCP connections, as by a server that requires TLS.
#
# Printed on stdout:
#   MIGCHECK_TEST_PG_URL         postgresql://migcheck:...@127.0.0.1:PORT/migcheck
#   MIGCHECK_TEST_PG_SOCKET_DIR  the directory of the server's Unix socket
#   MIGCHECK_TEST_PG_DIR         the temporary directory, for `stop`
set -euo pipefail

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

ROLE=migcheck
DATABASE=migcheck
# Characters that SQLAlchemy URLs must percent-encode: @ : / % and a space.
PASSWORD='mc p@ss:w/rd%1'
PASSWORD_IN_URL='mc%20p%40ss%3Aw%2Frd%251'

find_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
        printf '%s\n' "$dir"
    fi
}

# Runs a command as the server's owner: `postgres` when we are root (initdb refuses
# root), ourselves otherwise.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local port tries
    for tries in $(seq 1 200); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    die "no free port found on 127.0.0.1"
}

start() {
    local bindir
    bindir=$(find_bindir)
    if [[ -z "$bindir" ]]; then
        [[ $(id -u) -eq 0 ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin"
        log "installing the postgresql package"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2 \
            || die "apt-get install postgresql failed"
        bindir=$(find_bindir)
        [[ -n "$bindir" ]] || die "PostgreSQL server binaries still not found after installing"
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        die "the postgres system user does not exist (it comes with Debian's postgresql-common)"
    fi

    local dir port
    dir=$(mktemp -d "${TMPDIR:-/tmp}/migcheck-pg.XXXXXX")
    chmod 700 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    port=$(free_port)

    local pwfile="$dir/superuser-password"
    as_owner sh -c "umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > '$pwfile'"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >&2 \
        || { rm -rf -- "$dir"; die "initdb failed"; }
    # Only the superuser is trusted, and only on the socket; everyone else gives a
    # password. The user `migcheck_tls_only` is refused without TLS, as on a server that
    # requires it.
    as_owner sh -c "cat > '$dir/data/pg_hba.conf'" <<'EOF'
hostnossl all migcheck_tls_only 127.0.0.1/32 reject
local   all   postgres                trust
local   all   all                     scram-sha-256
host    all   all       127.0.0.1/32  scram-sha-256
host    all   all       ::1/128       scram-sha-256
EOF
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >&2 \
        || { cat "$dir/server.log" >&2 || true; rm -rf -- "$dir"; die "the server did not start"; }

    if ! as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres \
        -d postgres \
        -c "CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '${PASSWORD//\'/\'\'}'" \
        -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2; then
        stop "$dir"
        die "creating the test role and database failed"
    fi

    log "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
    printf 'export MIGCHECK_TEST_PG_URL=%q\n' \
        "postgresql://$ROLE:$PASSWORD_IN_URL@127.0.0.1:$port/$DATABASE"
    printf 'export MIGCHECK_TEST_PG_SOCKET_DIR=%q\n' "$dir"
    printf 'export MIGCHECK_TEST_PG_DIR=%q\n' "$dir"
}

stop() {
    local dir=${1:-${MIGCHECK_TEST_PG_DIR:-}}
    [[ -n "$dir" ]] || die "usage: postgres.sh stop DIR (or set MIGCHECK_TEST_PG_DIR)"
    [[ -d "$dir/data" ]] || die "$dir holds no server started by postgres.sh"
    local bindir
    bindir=$(find_bindir)
    [[ -n "$bindir" ]] || die "PostgreSQL server binaries not found"
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf -- "$dir"
    log "stopped and removed $dir"
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    *) die "usage: postgres.sh start | stop [DIR]" ;;
esac
