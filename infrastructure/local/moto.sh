#!/usr/bin/env bash
# Throwaway moto_server (the AWS emulator: Timestream, IAM, ...) on a free loopback port. Its data lives in memory only.
#   moto.sh start   start it (or print the running one); a state file kept by `halt` makes it come back on the same port
#   moto.sh halt    kill the process but keep the state file (simulates an outage; `start` restarts it on the same port)
#   moto.sh stop    kill the process and remove its state
#   moto.sh env     print the export line of the running server
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/moto.state"
SERVER="moto_server"
LOGNAME_PREFIX="moto"
SERVER_COMMAND=(moto_server -H 127.0.0.1 -p "{port}")

ensure_installed() {
  command -v moto_server >/dev/null 2>&1 && return
  die "moto_server is not on PATH: it comes from the Python package moto with its server extra (moto[server], version 5.x); it is not a Debian package, so install it with pip where PyPI is reachable"
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__timestream='http://127.0.0.1:$PORT'"
}

process_verbs "$@"
