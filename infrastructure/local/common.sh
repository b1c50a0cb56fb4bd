# Shared by the local server scripts: state folder, free ports, running as another user.
set -euo pipefail

LL_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LL_STATE_DIR="${LL_STATE_DIR:-$LL_REPO_ROOT/.local}"
mkdir -p "$LL_STATE_DIR"

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

log() { echo "[local] $*" >&2; }

# Runs a PostgreSQL tool as the postgres user when we are root (the server refuses to run as root).
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
die() { echo "[local] error: $*" >&2; exit 1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to $3 seconds (default 30) for 127.0.0.1:$1 to accept connections while process $2 lives.
wait_for_port() {
  local port="$1" pid="$2" deadline=$((SECONDS + ${3:-30}))
  until port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Ends process $1 (TERM, then KILL after 10 s) and waits until it is gone.
end_process() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# A server run as one background process, with its state (DIR, PORT, PID) in the file $STATE. Used by moto.sh and
# bigtable.sh. The caller sets STATE, SERVER (a label for messages) and defines print_env; start_process takes the
# log file name and the command, with {port} standing for the port.

process_running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null && port_open "$PORT"
}

# Starts the server, on the port of a kept state file (left by process_halt) when there is one, else on a free port.
start_process() {
  local logname="$1"; shift
  if process_running; then log "$SERVER already running"; print_env; return; fi
  local dir port pid
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    source "$STATE"
    dir="$DIR"; port="$PORT"
    mkdir -p "$dir"
    log "restarting $SERVER on its kept port 127.0.0.1:$port"
  else
    dir="$(mktemp -d "/tmp/latticelock-$logname.XXXXXX")"
    port="$(free_port)"
    log "starting $SERVER on 127.0.0.1:$port"
  fi
  local args=() arg
  for arg in "$@"; do args+=("${arg//\{port\}/$port}"); done
  setsid "${args[@]}" >"$dir/$logname.log" 2>&1 </dev/null &
  pid=$!
  printf 'DIR=%q\nPORT=%q\nPID=%q\n' "$dir" "$port" "$pid" >"$STATE"
  wait_for_port "$port" "$pid" 60 || { cat "$dir/$logname.log" >&2; end_process "$pid"; die "$SERVER did not start on 127.0.0.1:$port"; }
  print_env
}

# Kills the server but keeps the state file, so the next start comes back on the same port.
halt_process() {
  [ -f "$STATE" ] || { log "no $SERVER state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && end_process "$PID"
  log "$SERVER halted (state kept: start brings it back on port $PORT)"
}

stop_process() {
  [ -f "$STATE" ] || { log "no $SERVER state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && end_process "$PID"
  rm -rf "$DIR" "$STATE"
  log "$SERVER stopped and removed"
}

# The verbs of a process server script.
process_verbs() {
  case "${1:-}" in
    start) ensure_installed; start_process "$LOGNAME_PREFIX" "${SERVER_COMMAND[@]}" ;;
    halt) halt_process ;;
    stop) stop_process ;;
    env) process_running || die "no running $SERVER (run: $0 start)"; print_env ;;
    *) echo "usage: $0 start|halt|stop|env" >&2; exit 2 ;;
  esac
}

# Makes the server in data folder $1 archive every finished WAL segment to $2/wal (base backups go to $2/base):
# copied under a temporary name, flushed to disk, renamed, and the folder flushed, so an archived segment is always
# whole. A segment already archived is accepted again only when identical (a retry after a crash), never
# overwritten. archive_timeout bounds how long a committed write waits to be archived (the local RPO when the
# server's disk is lost). One folder per server: WAL names start over with every initdb, so a folder that already
# holds segments is refused. Settings documented in docs/operations.md (Backups and point-in-time restore).
require_fresh_archive() {
  if [ -d "$1/wal" ] && [ -n "$(ls -A "$1/wal" 2>/dev/null)" ]; then
    die "$1/wal already holds another server's WAL; give this server a new LL_BACKUP_DIR"
  fi
  return 0
}

archive_wal() {
  local data="$1" backup="$2"
  require_fresh_archive "$backup"
  mkdir -p "$backup/wal" "$backup/base"
  chmod 755 "$backup" "$backup/wal" "$backup/base"
  [ "$(id -u)" = "0" ] && chown postgres "$backup/wal"
  local w="$backup/wal"
  cat >>"$data/postgresql.conf" <<CONF

# WAL archiving for point-in-time restore (lattice backup; docs/operations.md)
wal_level = replica
archive_mode = on
archive_command = 'if test -f "$w/%f"; then cmp -s "%p" "$w/%f"; else cp "%p" "$w/%f.part" && sync "$w/%f.part" && mv "$w/%f.part" "$w/%f" && sync "$w"; fi'
archive_timeout = 60
CONF
}
