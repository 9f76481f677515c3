#!/usr/bin/env bash
# Build Citus 13.2.2 (the source tarball beside this script, unchanged from the
# project's v13.2.2 tag) and install it into the machine's PostgreSQL 15.
# Idempotent: does nothing when citus.so is already installed (FORCE=1 rebuilds).
# Takes ~5 min on 2 cores. Needs root (apt-get, make install).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pgc=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
deps=(postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev
      libxslt1-dev libpam0g-dev libreadline-dev flex make gcc)

if [[ -x $pgc && -f "$($pgc --pkglibdir)/citus.so" && -z ${FORCE:-} ]]; then
    echo "citus: already installed in $($pgc --pkglibdir)"
    exit 0
fi
apt-get install -y -q "${deps[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q "${deps[@]}" >/dev/null; }

# The committed release source, unchanged from the project's v13.2.2 tag.
sha256=c8fc76dc8294636a52b1a0dd75a20d8b4a36937df6443e30ca84d8d0464a6bb9
echo "$sha256  $here/citus-13.2.2.tar.gz" | sha256sum -c --quiet \
    || { echo "citus: citus-13.2.2.tar.gz does not match its sha256" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$here/citus-13.2.2.tar.gz" -C "$work"
cd "$work/citus-13.2.2"

# PostgreSQL 15.20 started exporting have_createdb_privilege(); Citus 13.2.2 still
# defines its own static copy for PG 15, which no longer compiles. Use the export.
server_inc=$($pgc --includedir-server)
if grep -q "have_createdb_privilege" "$server_inc/commands/dbcommands.h"; then
    python3 - <<'PY'
p = "src/include/pg_version_compat.h"
s = open(p).read()
start = s.index("static inline bool\nhave_createdb_privilege(void)")
end = s.index("typedef bool TU_UpdateIndexes;")
open(p, "w").write(s[:start] + "extern bool have_createdb_privilege(void);\n\n" + s[end:])
PY
fi

./configure --without-libcurl PG_CONFIG="$pgc" >/dev/null
make -j"$(nproc)" >/dev/null
make install >/dev/null
echo "citus: installed $(basename "$($pgc --pkglibdir)")/citus.so for $($pgc --version)"
