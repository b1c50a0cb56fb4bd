#!/usr/bin/env bash
# Throwaway Cloud Bigtable emulator (cbtemulator, from the Google Cloud CLI) on a free loopback port. Data lives in memory only.
#   bigtable.sh start   start it (or print the running one); a state file kept by `halt` makes it come back on the same port
#   bigtable.sh halt    kill the process but keep the state file (simulates an outage; `start` restarts it on the same port)
#   bigtable.sh stop    kill the process and remove its state
#   bigtable.sh env     print the export line of the running emulator
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/bigtable.state"
SERVER="the bigtable emulator"
LOGNAME_PREFIX="bigtable"
EMULATOR="${LL_CBTEMULATOR:-/usr/lib/google-cloud-sdk/platform/bigtable-emulator/cbtemulator}"
SERVER_COMMAND=("$EMULATOR" -host 127.0.0.1 -port "{port}")

ensure_installed() {
  [ -x "$EMULATOR" ] && return
  die "the Bigtable emulator is not installed at $EMULATOR: install the package google-cloud-cli-bigtable-emulator (and google-cloud-cli-cbt for the cbt tool) from Google's Cloud SDK apt repository, or set LL_CBTEMULATOR to the cbtemulator binary"
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__bigtable='http://127.0.0.1:$PORT'"
}

process_verbs "$@"
