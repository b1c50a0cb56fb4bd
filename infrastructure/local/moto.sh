#!/usr/bin/env bash
# Throwaway moto_server (the AWS emulator: Timestream, IAM, ...) on a free loopback port. Its data lives in memory only.
#   moto.sh start   start it (or print the running one); a state file kept by `halt` makes it come back on the same port
#   moto.sh halt    kill the process but keep the state file (simulates an outage; `start` restarts it on the same port)
#   moto.sh stop    kill the process and remove its state
#   moto.sh env     print the export line of the running server
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/moto.state"

ensure_installed() {
  command -v moto_server >/dev/null 2>&1 && return
  die "moto_server is not on PATH: it comes from the Python package moto with its server extra (moto[server], version 5.x); it is not a Debian package, so install it with pip where PyPI is reachable"
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__timestream='http://127.0.0.1:$PORT'"
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null && port_open "$PORT"
}

start() {
  if running; then log "moto_server already running"; print_env; return; fi
  ensure_installed
  local dir port pid
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    source "$STATE"
    dir="$DIR"; port="$PORT"
    mkdir -p "$dir"
    log "restarting moto_server on its kept port 127.0.0.1:$port"
  else
    dir="$(mktemp -d /tmp/latticelock-moto.XXXXXX)"
    port="$(free_port)"
    log "starting moto_server on 127.0.0.1:$port"
  fi
  setsid moto_server -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 </dev/null &
  pid=$!
  printf 'DIR=%q\nPORT=%q\nPID=%q\n' "$dir" "$port" "$pid" >"$STATE"
  wait_for_port "$port" "$pid" 60 || { cat "$dir/moto.log" >&2; end_process "$pid"; die "moto_server did not start on 127.0.0.1:$port"; }
  print_env
}

halt() {
  [ -f "$STATE" ] || { log "no moto state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && end_process "$PID"
  log "moto_server halted (state kept: start brings it back on port $PORT)"
}

stop() {
  [ -f "$STATE" ] || { log "no moto state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && end_process "$PID"
  rm -rf "$DIR" "$STATE"
  log "moto_server stopped and removed"
}

case "${1:-}" in
  start) start ;;
  halt) halt ;;
  stop) stop ;;
  env) running || die "no running moto_server (run: $0 start)"; print_env ;;
  *) echo "usage: $0 start|halt|stop|env" >&2; exit 2 ;;
esac
