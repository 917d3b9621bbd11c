#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster on loopback and
# OMIX_TEST_DATABASE_URL pointing at it; the cluster is removed afterwards.
# Without PostgreSQL's binaries it says so and exits 0 without running.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "PostgreSQL is not installed: skipping the PostgreSQL run." >&2
  exit 0
fi

workdir=$(mktemp -d /tmp/omix-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$workdir"
  as_pg=(runuser -u postgres --)
fi

cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap cleanup EXIT

"${as_pg[@]}" "$bindir/initdb" -D "$workdir/data" -U omix --auth=trust -E UTF8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/log" -w \
  -o "-h 127.0.0.1 -p $port -k $workdir -F" start >/dev/null

export OMIX_TEST_DATABASE_URL="postgresql://omix@127.0.0.1:$port/postgres"
echo "PostgreSQL on 127.0.0.1:$port"
"$@"
