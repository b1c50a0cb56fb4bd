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
# On PATH, or where pyenv puts it when PATH lacks pyenv's shims (a CI shell); LL_MOTO_SERVER overrides.
MOTO_SERVER="${LL_MOTO_SERVER:-$(command -v moto_server 2>/dev/null || ls "${HOME:-/root}/.pyenv/shims/moto_server" /root/.pyenv/shims/moto_server 2>/dev/null | head -n 1 || true)}"
SERVER_COMMAND=("${MOTO_SERVER:-moto_server}" -H 127.0.0.1 -p "{port}")

ensure_installed() {
  [ -n "$MOTO_SERVER" ] && [ -x "$MOTO_SERVER" ] && return
  die "moto_server is not on PATH (nor in ~/.pyenv/shims): it comes from the Python package moto with its server extra (moto[server], version 5.x); it is not a Debian package, so install it with pip where PyPI is reachable, or set LL_MOTO_SERVER"
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__timestream='http://127.0.0.1:$PORT'"
}

process_verbs "$@"
