#!/bin/sh
# Start PgBouncer with auth_user's password taken from the environment.
set -eu
umask 077
printf '"postgres" "%s"\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}" \
    > /tmp/pgbouncer-userlist.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
