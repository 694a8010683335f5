#!/usr/bin/env bash
# tests/tools/pg.sh: a throwaway PostgreSQL 15 (Debian's) for tests, in its own folder.
#   pg.sh start DIR PORT   initdb DIR/data on first use, start on 127.0.0.1:PORT, wait until it
#                          takes connections (at most 30 s); prints the connection URI
#   pg.sh stop DIR         fast shutdown, waits (at most 30 s); DIR stays for a later start
#   pg.sh remove DIR       stop if running, then delete DIR
# Listens on 127.0.0.1 only, password (scram-sha-256) login for the superuser agentgate,
# fsync left on. initdb refuses root, so as root the server runs as the postgres system user
# (runuser) and DIR is given to it. The unix socket lives in DIR, not in /run/postgresql.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin
USER_NAME=agentgate
PASSWORD=agentgate-test

die() { printf 'pg.sh: %s\n' "$*" >&2; exit 1; }

[[ $# -ge 2 ]] || die "usage: pg.sh start DIR PORT | stop DIR | remove DIR"
cmd=$1
dir=$2
[[ -x $BIN/pg_ctl ]] || die "$BIN/pg_ctl missing (scripts/setup.sh installs postgresql)"

as_pg=()
if [[ $(id -u) -eq 0 ]]; then
    as_pg=(runuser -u postgres --)
fi

running() { [[ -f $dir/data/postmaster.pid ]]; }

stop() {
    if running; then
        (cd "$dir" && timeout 40 "${as_pg[@]}" "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 \
            stop >/dev/null) || die "stop $dir failed (see $dir/log)"
    fi
}

case $cmd in
start)
    [[ $# -eq 3 && $3 =~ ^[0-9]+$ && $3 -gt 0 && $3 -lt 65536 ]] || die "start needs DIR PORT"
    port=$3
    [[ -d $dir ]] || die "no folder $dir"
    dir=$(cd "$dir" && pwd)
    ((${#as_pg[@]})) && chown postgres: "$dir"
    chmod 700 "$dir"
    if [[ ! -f $dir/data/PG_VERSION ]]; then
        umask 077
        printf '%s\n' "$PASSWORD" >"$dir/pwfile"
        ((${#as_pg[@]})) && chown postgres: "$dir/pwfile"
        (cd "$dir" && timeout 120 "${as_pg[@]}" "$BIN/initdb" -D "$dir/data" -U "$USER_NAME" \
            --pwfile="$dir/pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C \
            >"$dir/initdb.log" 2>&1) || { rm -f "$dir/pwfile"; die "initdb failed (see $dir/initdb.log)"; }
        rm -f "$dir/pwfile"
        # Loopback TCP only; the socket in DIR (local logins need the password too).
        printf 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n' \
            >"$dir/data/pg_hba.conf"
        ((${#as_pg[@]})) && chown postgres: "$dir/data/pg_hba.conf"
    fi
    # Written at every start: a later start may use another port.
    cat >"$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 30
shared_buffers = 16MB
fsync = on
CONF
    ((${#as_pg[@]})) && chown postgres: "$dir/data/postgresql.auto.conf"
    (cd "$dir" && timeout 40 "${as_pg[@]}" "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
        start >/dev/null) || die "start failed (see $dir/log)"
    printf 'postgresql://%s:%s@127.0.0.1:%s/postgres\n' "$USER_NAME" "$PASSWORD" "$port"
    ;;
stop)
    stop
    ;;
remove)
    if [[ -d $dir ]]; then
        stop
        rm -rf "$dir"
    fi
    ;;
*)
    die "unknown command $cmd"
    ;;
esac
