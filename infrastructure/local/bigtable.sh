#!/usr/bin/env bash
# Throwaway Cloud Bigtable emulator (cbtemulator, from the Google Cloud CLI) on a free loopback port. Data lives in memory only.
#   bigtable.sh start   start it (or print the running one); a state file kept by `halt` makes it come back on the same port
#   bigtable.sh halt    kill the process but keep the state file (simulates an outage; `start` restarts it on the same port)
#   bigtable.sh stop    kill the process and remove its state
#   bigtable.sh env     print the export line of the running emulator
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/bigtable.state"
EMULATOR="${LL_CBTEMULATOR:-/usr/lib/google-cloud-sdk/platform/bigtable-emulator/cbtemulator}"

ensure_installed() {
  [ -x "$EMULATOR" ] && return
  die "the Bigtable emulator is not installed at $EMULATOR: install the package google-cloud-cli-bigtable-emulator (and google-cloud-cli-cbt for the cbt tool) from Google's Cloud SDK apt repository, or set LL_CBTEMULATOR to the cbtemulator binary"
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__bigtable='http://127.0.0.1:$PORT'"
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null && port_open "$PORT"
}

start() {
  if running; then log "bigtable emulator already running"; print_env; return; fi
  ensure_installed
  local dir port pid
  if [ -f "$STATE" ]; then
    # shellcheck disable=SC1090
    source "$STATE"
    dir="$DIR"; port="$PORT"
    mkdir -p "$dir"
    log "restarting the bigtable emulator on its kept port 127.0.0.1:$port"
  else
    dir="$(mktemp -d /tmp/latticelock-bigtable.XXXXXX)"
    port="$(free_port)"
    log "starting the bigtable emulator on 127.0.0.1:$port"
  fi
  setsid "$EMULATOR" -host 127.0.0.1 -port "$port" >"$dir/cbtemulator.log" 2>&1 </dev/null &
  pid=$!
  printf 'DIR=%q\nPORT=%q\nPID=%q\n' "$dir" "$port" "$pid" >"$STATE"
  wait_for_port "$port" "$pid" 30 || { cat "$dir/cbtemulator.log" >&2; end_process "$pid"; die "the bigtable emulator did not start on 127.0.0.1:$port"; }
  print_env
}

halt() {
  [ -f "$STATE" ] || { log "no bigtable state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && end_process "$PID"
  log "bigtable emulator halted (state kept: start brings it back on port $PORT)"
}

stop() {
  [ -f "$STATE" ] || { log "no bigtable state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  [ -n "${PID:-}" ] && end_process "$PID"
  rm -rf "$DIR" "$STATE"
  log "bigtable emulator stopped and removed"
}

case "${1:-}" in
  start) start ;;
  halt) halt ;;
  stop) stop ;;
  env) running || die "no running bigtable emulator (run: $0 start)"; print_env ;;
  *) echo "usage: $0 start|halt|stop|env" >&2; exit 2 ;;
esac
