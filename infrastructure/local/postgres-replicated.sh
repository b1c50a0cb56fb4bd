#!/usr/bin/env bash
# Throwaway replicated PostgreSQL 15 on free loopback ports: a primary, a synchronous standby (a commit is
# acknowledged only once the standby has flushed it) and an asynchronous read replica, both streaming from the
# primary (pg_basebackup -R, primary_conninfo).
#   postgres-replicated.sh start         -> initdb the primary, base-backup the standby and the replica, start all
#                                           three, then make the standby synchronous; prints
#                                           `export ConnectionStrings__postgres=...` listing the three hosts
#                                           (Npgsql picks the primary for writes, a standby for read-only work)
#   postgres-replicated.sh status        -> each server's role, and pg_stat_replication as the primary sees it
#   postgres-replicated.sh kill-primary  -> SIGKILL the primary's postmaster (its backends exit after it)
#   postgres-replicated.sh promote       -> pg_ctl promote the synchronous standby (it becomes the primary; having
#                                           no synchronous standby of its own, it commits alone until one is added);
#                                           the read replica then streams from it
#   postgres-replicated.sh stop-standby  -> stop the synchronous standby (fast shutdown; commits then wait for it)
#   postgres-replicated.sh start-standby -> start the stopped standby again (it catches up and streams)
#   postgres-replicated.sh stop-replica  -> stop the read replica
#   postgres-replicated.sh stop          -> stop all three and delete their data
#   postgres-replicated.sh env           -> print the export line again
#   postgres-replicated.sh foreground    -> start, then stay until TERM or INT and stop (the AppHost's executable
#                                           resource); LL_PG_PORTS=primary,standby,replica picks the ports
# The primary archives its WAL to $LL_BACKUP_DIR/wal (default: `backup` beside the data folders); see postgres.sh.
# State lives in $LL_STATE_DIR (default: <repo>/.local); the data folders in /tmp so the postgres user can reach them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/postgres-replicated.state"
PG_VERSION="${PG_VERSION:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/$PG_VERSION/bin}"
DATABASE="${LL_DATABASE:-lattice}"

load() {
  [ -f "$STATE" ] || die "no replicated PostgreSQL state in $STATE (run: $0 start)"
  # shellcheck disable=SC1090
  source "$STATE"
}

print_env() {
  load
  echo "export ConnectionStrings__postgres='Host=127.0.0.1:$PRIMARY_PORT,127.0.0.1:$STANDBY_PORT,127.0.0.1:$REPLICA_PORT;Username=postgres;Database=$DATABASE;Host Recheck Seconds=1'"
  [ -n "${BACKUP:-}" ] && echo "export LatticeLock__Backup__Directory='$BACKUP'"
  return 0
}

# Starts the server in folder $1 on port $2 with cluster name $3 (its application_name when it streams).
start_server() {
  local data="$1" port="$2" name="$3"
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$data/../$name.log" -w -t 60 \
    -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=600 -c fsync=on -c shared_buffers=128MB -c cluster_name=$name -c wal_keep_size=512MB -c hot_standby_feedback=on" \
    start >/dev/null || { cat "$data/../$name.log" >&2; die "PostgreSQL $name did not start"; }
}

psql_on() { local port="$1"; shift; as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAX "$@"; }

start() {
  if [ -f "$STATE" ]; then log "replicated PostgreSQL already started"; print_env; return; fi
  [ -x "$PG_BIN/initdb" ] || die "PostgreSQL $PG_VERSION server binaries not found in $PG_BIN (Debian package: postgresql-$PG_VERSION)"
  if [ "$(id -u)" = "0" ]; then id postgres >/dev/null 2>&1 || die "user 'postgres' missing (install postgresql-$PG_VERSION)"; fi
  local dir primary_port standby_port replica_port
  dir="$(mktemp -d /tmp/latticelock-pgrep.XXXXXX)"
  chmod 755 "$dir"
  [ "$(id -u)" = "0" ] && chown postgres "$dir"
  if [ -n "${LL_PG_PORTS:-}" ]; then
    IFS=, read -r primary_port standby_port replica_port <<<"$LL_PG_PORTS"
  else
    primary_port="$(free_port)"; standby_port="$(free_port)"; replica_port="$(free_port)"
  fi
  while [ "$standby_port" = "$primary_port" ]; do standby_port="$(free_port)"; done
  while [ "$replica_port" = "$primary_port" ] || [ "$replica_port" = "$standby_port" ]; do replica_port="$(free_port)"; done
  printf 'DIR=%q\nPRIMARY=%q\nSTANDBY=%q\nREPLICA=%q\nPRIMARY_PORT=%q\nSTANDBY_PORT=%q\nREPLICA_PORT=%q\nBACKUP=%q\n' \
    "$dir" "$dir/primary" "$dir/standby" "$dir/replica" "$primary_port" "$standby_port" "$replica_port" "${LL_BACKUP_DIR:-$dir/backup}" >"$STATE"
  load
  log "initdb of the primary in $PRIMARY"
  # -A trust also admits replication connections from 127.0.0.1 (initdb's pg_hba.conf has them).
  as_pg "$PG_BIN/initdb" -D "$PRIMARY" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # The standbys are copies of this folder, so they get the same settings; a standby archives once promoted.
  archive_wal "$PRIMARY" "$BACKUP"
  log "starting the primary on 127.0.0.1:$PRIMARY_PORT"
  start_server "$PRIMARY" "$PRIMARY_PORT" primary
  psql_on "$PRIMARY_PORT" -c "CREATE DATABASE \"$DATABASE\"" >/dev/null
  local name data port
  for name in standby replica; do
    data="$dir/$name"; port="$STANDBY_PORT"; [ "$name" = replica ] && port="$REPLICA_PORT"
    log "pg_basebackup of the $name, starting it on 127.0.0.1:$port"
    as_pg "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$data" -R -X stream -c fast >"$dir/$name-basebackup.log" 2>&1 \
      || { cat "$dir/$name-basebackup.log" >&2; die "pg_basebackup of the $name failed"; }
    if [ "$name" = replica ]; then
      # The replica follows whichever of the primary and the standby is writable, so after a promotion it streams
      # from the new primary (recovery_target_timeline is 'latest' by default). The last setting in the file wins.
      echo "primary_conninfo = 'host=127.0.0.1,127.0.0.1 port=$PRIMARY_PORT,$STANDBY_PORT user=postgres target_session_attrs=read-write'" \
        | as_pg tee -a "$data/postgresql.auto.conf" >/dev/null
    fi
    start_server "$data" "$port" "$name"
  done
  # Only now that the standby streams: from here on a commit on the primary waits until the standby has flushed it.
  psql_on "$PRIMARY_PORT" -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" -c "ALTER SYSTEM SET synchronous_commit = 'on'" -c "SELECT pg_reload_conf()" >/dev/null
  local deadline=$((SECONDS + 60))
  until [ "$(psql_on "$PRIMARY_PORT" -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby' AND sync_state = 'sync'")" = 1 ] \
     && [ "$(psql_on "$PRIMARY_PORT" -c "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'replica'")" = 1 ]; do
    [ "$SECONDS" -lt "$deadline" ] || { status >&2; die "the standby never became synchronous"; }
    sleep 0.2
  done
  log "primary 127.0.0.1:$PRIMARY_PORT, synchronous standby 127.0.0.1:$STANDBY_PORT, read replica 127.0.0.1:$REPLICA_PORT"
  print_env
}

status() {
  load
  local name port role
  for name in primary standby replica; do
    port="$PRIMARY_PORT"; [ "$name" = standby ] && port="$STANDBY_PORT"; [ "$name" = replica ] && port="$REPLICA_PORT"
    role="$(psql_on "$port" -c "SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END" 2>/dev/null || echo down)"
    echo "$name 127.0.0.1:$port $role"
    if [ "$role" = primary ]; then
      psql_on "$port" -c "SELECT application_name, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication ORDER BY 1" | sed 's/^/  /'
    fi
  done
}

kill_primary() {
  load
  local pid
  pid="$(head -n 1 "$PRIMARY/postmaster.pid")"
  kill -9 "$pid"
  log "primary postmaster $pid killed (SIGKILL)"
}

promote() {
  load
  as_pg "$PG_BIN/pg_ctl" -D "$STANDBY" -w -t 60 promote >/dev/null || die "pg_ctl promote failed"
  log "standby 127.0.0.1:$STANDBY_PORT promoted to primary"
}

stop_one() { as_pg "$PG_BIN/pg_ctl" -D "$1" -m "${2:-fast}" -w stop >/dev/null 2>&1 || true; }

stop() {
  [ -f "$STATE" ] || { log "no replicated PostgreSQL state in $STATE"; return; }
  load
  local data pid
  for data in "$PRIMARY" "$STANDBY" "$REPLICA"; do
    stop_one "$data" immediate
    # A killed postmaster leaves backends that exit on their own; make sure none holds the folder.
    if [ -f "$data/postmaster.pid" ]; then pid="$(head -n 1 "$data/postmaster.pid")"; kill -9 "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$DIR" "$STATE"
  log "replicated PostgreSQL stopped and removed"
}

foreground() {
  local tailpid=""
  trap '[ -n "$tailpid" ] && kill "$tailpid" 2>/dev/null; stop; exit 0' TERM INT
  start
  load
  log "replicated PostgreSQL ready; logs follow (TERM or INT stops it)"
  tail -n 0 -F "$PRIMARY/../primary.log" "$STANDBY/../standby.log" "$REPLICA/../replica.log" 2>/dev/null &
  tailpid=$!
  # Runs as long as any of the three does (a killed primary is a failover, not the end).
  while as_pg "$PG_BIN/pg_ctl" -D "$PRIMARY" status >/dev/null 2>&1 || as_pg "$PG_BIN/pg_ctl" -D "$STANDBY" status >/dev/null 2>&1; do
    sleep 1 & wait $!
  done
  kill "$tailpid" 2>/dev/null
  stop
  die "the replicated PostgreSQL stopped"
}

case "${1:-}" in
  start) start ;;
  foreground) foreground ;;
  status) status ;;
  kill-primary) kill_primary ;;
  promote) promote ;;
  stop-standby) load; stop_one "$STANDBY"; log "synchronous standby stopped" ;;
  start-standby) load; start_server "$STANDBY" "$STANDBY_PORT" standby; log "synchronous standby started" ;;
  stop-replica) load; stop_one "$REPLICA"; log "read replica stopped" ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 start|foreground|status|kill-primary|promote|stop-standby|start-standby|stop-replica|stop|env" >&2; exit 2 ;;
esac
