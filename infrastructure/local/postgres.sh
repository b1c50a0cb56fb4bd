#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster on a free loopback port.
#   postgres.sh start   -> initdb + start, prints `export ConnectionStrings__postgres=...`
#   postgres.sh stop    -> stop and delete the data folder
#   postgres.sh halt    -> kill it (immediate shutdown, like a crash) but keep data and state; `start` brings it back
#                          on the same port with the same data (outage tests)
#   postgres.sh pause   -> SIGSTOP the postmaster and every backend (a server that hangs, not one that is gone)
#   postgres.sh resume  -> SIGCONT them again
#   postgres.sh env     -> print the export line of the running cluster
# State lives in $LL_STATE_DIR (default: <repo>/.local); the data folder in /tmp so the
# postgres user can reach it even when the checkout sits in a private folder.
# The server archives its WAL (for point-in-time restore, `lattice backup`) to $LL_BACKUP_DIR/wal (default: a
# `backup` folder beside the data folder, removed with it); `start` also prints
# `export LatticeLock__Backup__Directory=...` for the CLI.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/postgres.state"
PG_VERSION="${PG_VERSION:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/$PG_VERSION/bin}"
DATABASE="${LL_DATABASE:-lattice}"

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__postgres='Host=127.0.0.1;Port=$PORT;Username=postgres;Database=$DATABASE'"
  [ -n "${BACKUP:-}" ] && echo "export LatticeLock__Backup__Directory='$BACKUP'"
  return 0
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  if running; then log "PostgreSQL already running"; print_env; return; fi
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    source "$STATE"
    if [ -d "$DATA" ]; then
      log "restarting the halted PostgreSQL on 127.0.0.1:$PORT"
      as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=on -c shared_buffers=256MB" start >/dev/null \
        || { cat "$DIR/server.log" >&2; die "PostgreSQL did not restart"; }
      print_env
      return
    fi
  fi
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL $PG_VERSION server binaries not found in $PG_BIN (Debian package: postgresql-$PG_VERSION)"
  if [ "$(id -u)" = "0" ]; then id postgres >/dev/null 2>&1 || die "user 'postgres' missing (install postgresql-$PG_VERSION)"; fi
  local dir port
  dir="$(mktemp -d /tmp/latticelock-pg.XXXXXX)"
  chmod 755 "$dir"
  [ "$(id -u)" = "0" ] && chown postgres "$dir"
  port="$(free_port)"
  local backup="${LL_BACKUP_DIR:-$dir/backup}"
  ( require_fresh_archive "$backup" ) || { rm -rf "$dir"; exit 1; }
  log "initdb in $dir"
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  archive_wal "$dir/data" "$backup"
  log "starting PostgreSQL on 127.0.0.1:$port"
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=on -c shared_buffers=256MB" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
  printf 'DATA=%q\nDIR=%q\nPORT=%q\nBACKUP=%q\n' "$dir/data" "$dir" "$port" "$backup" >"$STATE"
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA \
    -c "CREATE DATABASE \"$DATABASE\"" >/dev/null
  print_env
}

stop() {
  [ -f "$STATE" ] || { log "no PostgreSQL state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR" "$STATE"
  log "PostgreSQL stopped and removed"
}

halt() {
  running || die "no running PostgreSQL to halt"
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  log "PostgreSQL halted (state kept in $STATE)"
}

postmaster_pid() {
  running || die "no running PostgreSQL"
  head -n 1 "$DATA/postmaster.pid"
}

pause() {
  local pid
  pid="$(postmaster_pid)"
  kill -STOP "$pid"                # first, so it forks no new backend meanwhile
  pkill -STOP -P "$pid" || true    # then every backend and auxiliary process
  log "PostgreSQL paused (SIGSTOP to $pid and its children)"
}

resume() {
  local pid
  pid="$(postmaster_pid)"
  pkill -CONT -P "$pid" || true
  kill -CONT "$pid"
  log "PostgreSQL resumed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  pause) pause ;;
  resume) resume ;;
  env) running || die "no running PostgreSQL (run: $0 start)"; print_env ;;
  *) echo "usage: $0 start|stop|halt|pause|resume|env" >&2; exit 2 ;;
esac
