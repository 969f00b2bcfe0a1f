#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on loopback for the test suite and print its URL.
# Installs the server from Debian's packages when it is missing. Idempotent.
# `pg_test_server.sh stop` stops it and removes its files; `restart` restarts it (fast
# shutdown: open connections are cut, as when a production server restarts).
set -euo pipefail
PORT="${PAOBAN_PG_PORT:-55432}"
DIR="${PAOBAN_PG_DIR:-/tmp/paoban-pg-$PORT}"

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
  echo "installing PostgreSQL server from Debian packages..." >&2
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
  BIN="$(find_bin)"
fi

# The server refuses to run as root: run it as the postgres user when we are root.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
  AS=(runuser -u postgres --)
else
  AS=()
fi

case "${1:-start}" in
  stop)
    "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -m immediate stop >&2 || true
    rm -rf "$DIR"
    exit 0
    ;;
  restart)
    "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -m fast -w restart >&2
    exit 0
    ;;
esac

if ! "${AS[@]}" "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    "${AS[@]}" "$BIN/initdb" -D "$DIR" -U paoban --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
    -o "-h 127.0.0.1 -p $PORT -k /tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >&2
fi
"${AS[@]}" "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U paoban -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname='paoban_test'" | grep -q 1 \
  || "${AS[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U paoban paoban_test
echo "postgresql://paoban@127.0.0.1:$PORT/paoban_test"
