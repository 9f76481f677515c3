#!/usr/bin/env bash
# A Citus cluster on this machine: one coordinator and two workers, each its own
# PostgreSQL 15 instance (trust auth on 127.0.0.1, run as the postgres user).
#   cluster.sh start DIR [PORT] [DB]  coordinator on PORT (default 5440), workers on
#                                     PORT+1 and PORT+2; database DB (default smartcity)
#                                     made on all three with the citus extension and
#                                     the workers registered; prints the coordinator's URL
#   cluster.sh stop  DIR              stop all three (the data stays in DIR)
# Citus metadata is per database: a database made later on the coordinator alone
# is not distributed (run start again with its name).
# Needs Citus installed (build.sh beside this script).
#
# Project settings on top of the shared script (../shared/tools/citus):
# - wal_level = logical, so `citus_schema_move` moves a regency while it is in use
#   (logical replication; writes wait only for the final switch-over);
# - the workers' pg_hba.conf trusts only the coordinator's address (COORDINATOR_ADDR,
#   default 127.0.0.1) and rejects every other login: tenant roles may log in to
#   the workers (Citus connects as the current role) but have no password, so
#   nothing outside the cluster can use them. On one machine every node has the
#   same address; production gives each node its own (see docs/scaling.md).
set -euo pipefail
cmd=${1:?start|stop}
dir=$(realpath -m "${2:?data directory}")
port=${3:-5440}
db=${4:-smartcity}
export PGOPTIONS="-c client_min_messages=warning"
bin=$(/usr/lib/postgresql/15/bin/pg_config --bindir)
as_pg() { if [[ $(id -u) == 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
q() { psql -h 127.0.0.1 -p "$1" -U postgres -d "${3:-$db}" -XAtq -v ON_ERROR_STOP=1 -c "$2"; }

case $cmd in
start)
    mkdir -p "$dir/sock"
    [[ $(id -u) == 0 ]] && chown -R postgres "$dir"
    for p in "$port" $((port + 1)) $((port + 2)); do
        if [[ ! -f $dir/n$p/PG_VERSION ]]; then
            as_pg "$bin/initdb -D '$dir/n$p' -A trust -U postgres >/dev/null"
            cat >>"$dir/n$p/postgresql.conf" <<CONF
shared_preload_libraries = 'citus'
port = $p
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/sock'
max_connections = 300
max_prepared_transactions = 300
fsync = off
wal_level = logical
max_replication_slots = 20
max_wal_senders = 20
CONF
            if [[ $p != "$port" ]]; then
                cat >"$dir/n$p/pg_hba.conf" <<HBA
# Worker: only the coordinator (and the other nodes) may connect; no passwords.
local all postgres trust
host all all ${COORDINATOR_ADDR:-127.0.0.1}/32 trust
host all all all reject
HBA
            fi
        fi
        as_pg "$bin/pg_ctl -D '$dir/n$p' status >/dev/null" \
            || as_pg "$bin/pg_ctl -D '$dir/n$p' -l '$dir/n$p.log' -w start >/dev/null"
    done
    for p in "$port" $((port + 1)) $((port + 2)); do
        [[ -n $(q "$p" "SELECT 1 FROM pg_database WHERE datname = '$db'" postgres) ]] \
            || q "$p" "CREATE DATABASE \"$db\"" postgres
        q "$p" "CREATE EXTENSION IF NOT EXISTS citus"
    done
    if [[ $(q "$port" "SELECT count(*) FROM pg_dist_node") == 0 ]]; then
        q "$port" "SELECT citus_set_coordinator_host('127.0.0.1', $port)" >/dev/null
        q "$port" "SELECT citus_add_node('127.0.0.1', $((port + 1)))" >/dev/null
        q "$port" "SELECT citus_add_node('127.0.0.1', $((port + 2)))" >/dev/null
    fi
    echo "postgresql://postgres@127.0.0.1:$port/$db"
    ;;
stop)
    for d in "$dir"/n*/; do
        [[ -f $d/postmaster.pid ]] && as_pg "$bin/pg_ctl -D '$d' -m fast stop >/dev/null" || true
    done
    ;;
*)
    echo "usage: cluster.sh start|stop DIR [PORT] [DB]" >&2
    exit 2
    ;;
esac
