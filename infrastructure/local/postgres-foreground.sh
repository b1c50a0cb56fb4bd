#!/usr/bin/env bash
# A throwaway PostgreSQL 15 that lives exactly as long as this script (for the Aspire AppHost's executable resource):
#   postgres-foreground.sh PORT [DATABASE]
# initdb into a fresh folder, start on 127.0.0.1:PORT, create DATABASE (default lattice), then wait. On TERM or INT
# (the AppHost stopping) it stops PostgreSQL and deletes the folder, so nothing is left behind and two runs never
# share a server. WAL is archived to $LL_BACKUP_DIR/wal (default: inside that folder, deleted with it; set
# LL_BACKUP_DIR to keep the archive and base backups outside it: a new, empty folder for each run, since every run is
# a new server).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -u
PORT="${1:?usage: $0 PORT [DATABASE]}"
DATABASE="${2:-lattice}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

[ -x "$PG_BIN/initdb" ] || die "PostgreSQL 15 server binaries not found in $PG_BIN (Debian package: postgresql-15)"
dir="$(mktemp -d /tmp/latticelock-apphost-pg.XXXXXX)"
chmod 755 "$dir"
[ "$(id -u)" = "0" ] && chown postgres "$dir"
tailpid=""
cleanup() {
  [ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap 'cleanup; exit 0' TERM INT
trap cleanup EXIT
backup="${LL_BACKUP_DIR:-$dir/backup}"
( require_fresh_archive "$backup" ) || exit 1
as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
archive_wal "$dir/data" "$backup"
as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $PORT -k $dir -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=on -c shared_buffers=256MB" start >/dev/null \
  || { cat "$dir/server.log" >&2; die "PostgreSQL did not start on port $PORT"; }
as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qtA -c "CREATE DATABASE \"$DATABASE\"" >/dev/null
log "PostgreSQL ready on 127.0.0.1:$PORT (database $DATABASE, data in $dir, WAL archived to $backup/wal; LatticeLock__Backup__Directory=$backup)"
tail -n +1 -F "$dir/server.log" 2>/dev/null &
tailpid=$!
while as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; do sleep 1 & wait $!; done
die "PostgreSQL stopped unexpectedly"
