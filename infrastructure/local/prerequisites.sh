#!/usr/bin/env bash
# Checks (and, as root, installs) what the local stack needs: PostgreSQL 15 server binaries, redis-server, python3,
# and curl and jq for the README's walkthrough.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# The README's walkthrough: curl and jq.
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v dotnet >/dev/null 2>&1 || die "the .NET SDK 10 (dotnet) is not on PATH"

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    log "installing ${missing[*]} with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    die "missing Debian packages: ${missing[*]} (install them with apt-get, or run as root)"
  fi
fi
log "prerequisites present: PostgreSQL 15, redis-server, python3, curl, jq, dotnet $(dotnet --version)"

# --emulators (tests): the Timestream and Bigtable emulators cannot come from Debian's packages, so say early and
# plainly when one is missing rather than failing test by test.
if [ "${1:-}" = "--emulators" ]; then
  moto="${LL_MOTO_SERVER:-$(command -v moto_server 2>/dev/null || ls "${HOME:-/root}/.pyenv/shims/moto_server" /root/.pyenv/shims/moto_server 2>/dev/null | head -n 1 || true)}"
  [ -n "$moto" ] || die "moto_server (Python package moto[server] 5.x) is missing: the Timestream sink tests need it"
  [ -x "${LL_CBTEMULATOR:-/usr/lib/google-cloud-sdk/platform/bigtable-emulator/cbtemulator}" ] || die "the Bigtable emulator (cbtemulator, package google-cloud-cli-bigtable-emulator) is missing: the Bigtable sink tests need it"
  command -v cbt >/dev/null 2>&1 || die "cbt (package google-cloud-cli-cbt) is missing: the Bigtable tests read back with it"
  log "emulators present: moto_server ($moto), cbtemulator, cbt"
fi
