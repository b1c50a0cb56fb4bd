#!/usr/bin/env bash
# Checks (and, as root, installs) what the local stack needs: PostgreSQL 15 server binaries, redis-server, python3.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

missing=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql-15)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
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
log "prerequisites present: PostgreSQL 15, redis-server, python3, dotnet $(dotnet --version)"
