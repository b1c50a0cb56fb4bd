#!/usr/bin/env bash
# Brings up LatticeLock locally until Ctrl-C. Works on a fresh machine (installs PostgreSQL 15 and redis-server).
#   ./run.sh [--silos N] [--servers processes|containers|existing]
#                          the local cluster through the Aspire AppHost: PostgreSQL and Redis (default: its own
#                          processes; `containers` needs Docker or Podman; `existing` uses ConnectionStrings__postgres
#                          and ConnectionStrings__redis from the environment), the migration, N silos (default 2) with
#                          mutual TLS from a throwaway CA, the Orleans Dashboard on each, and the Aspire dashboard.
#                          Prints progress, then `name: value` lines (dashboard, cluster, certificates, api silo-N,
#                          orleans dashboard silo-N, admin key) and then `ready`. --sinks timestream,bigtable also
#                          starts moto_server and/or the Bigtable emulator and dual-writes metrics to them.
#                          --replicas runs PostgreSQL as a primary, a synchronous standby and a read replica
#                          (infrastructure/local/postgres-replicated.sh); the silos get all three hosts.
#   ./run.sh --single [--redis] [--timestream] [--bigtable] [--replicas]
#                          one silo started directly, on a throwaway PostgreSQL (Redis clustering with --redis;
#                          --timestream / --bigtable also start the emulators and dual-write metrics to them).
#                          With ConnectionStrings__postgres already set, that database is used instead.
# Every run picks free ports and its own servers, so two runs never share or stop each other's.
set -euo pipefail
cd "$(dirname "$0")"

use_redis=0
replicas=0
single=0
silos=2
servers=processes
cluster_sinks=""
sinks="postgres"
while [ $# -gt 0 ]; do
  case "$1" in
    --single) single=1 ;;
    --redis) single=1; use_redis=1 ;;
    --timestream) single=1; sinks="$sinks,timestream" ;;
    --bigtable) single=1; sinks="$sinks,bigtable" ;;
    --replicas) replicas=1 ;;
    --silos) shift; silos="${1:-}"; [[ "$silos" =~ ^[1-9]$ ]] || { echo "run.sh: --silos takes 1 to 9 (got '${1:-}')" >&2; exit 2; } ;;
    --sinks) shift; cluster_sinks="${1:-}"; [[ "$cluster_sinks" =~ ^(timestream|bigtable)(,(timestream|bigtable))?$ ]] || { echo "run.sh: --sinks takes timestream, bigtable or timestream,bigtable (got '${1:-}')" >&2; exit 2; } ;;
    --servers) shift; servers="${1:-}"; [[ "$servers" =~ ^(processes|containers|existing)$ ]] || { echo "run.sh: --servers takes processes, containers or existing (got '${1:-}')" >&2; exit 2; } ;;
    *) echo "usage: $0 [--silos N] [--servers processes|containers|existing] [--sinks timestream,bigtable] [--replicas] | --single [--redis] [--timestream] [--bigtable] [--replicas]" >&2; exit 2 ;;
  esac
  shift
done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The Release build, one line per project as it is built (no MSBuild summary); on failure, the errors.
build() {
  echo "building (the first build takes a minute or two)…"
  local log; log="$(mktemp)"
  if ! dotnet build LatticeLock.sln -c Release -warnaserror -v minimal -nologo -clp:NoSummary 2>&1 | tee "$log" \
       | sed -un 's|^ *\([A-Za-z.]*\) -> .*|  built \1|p'; then
    grep -E ': (error|warning) ' "$log" | sort -u >&2 || cat "$log" >&2
    rm -f "$log"; echo "run.sh: the build failed" >&2; exit 1
  fi
  rm -f "$log"
}

if [ "$single" = 0 ]; then
  if [ "$servers" = existing ] && { [ -z "${ConnectionStrings__postgres:-}" ] || [ -z "${ConnectionStrings__redis:-}" ]; }; then
    echo "run.sh: --servers existing needs ConnectionStrings__postgres and ConnectionStrings__redis set to the servers to use" >&2; exit 2
  fi
  if [ "$replicas" = 1 ] && [ "$servers" != processes ]; then
    echo "run.sh: --replicas starts its own servers (--servers processes); an existing replicated server is listed in ConnectionStrings__postgres" >&2; exit 2
  fi
  if [ "$servers" = processes ]; then infrastructure/local/prerequisites.sh; fi
  if [ -n "$cluster_sinks" ]; then infrastructure/local/prerequisites.sh --emulators; fi
  build
  export ASPNETCORE_URLS="http://127.0.0.1:$(port)" ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$(port)"
  export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true Logging__LogLevel__Default=Warning Silos="$silos" Servers="$servers" Sinks="$cluster_sinks" Replicas="$replicas"
  if [ "$servers" != existing ]; then unset ConnectionStrings__postgres ConnectionStrings__redis; fi
  exec dotnet apphost/LatticeLock.AppHost/bin/Release/net10.0/LatticeLock.AppHost.dll
fi

# --single: this run's own state folder, so its servers are never another run's.
own_state=""
if [ -z "${LL_STATE_DIR:-}" ]; then own_state="$(mktemp -d /tmp/latticelock-run.XXXXXX)"; export LL_STATE_DIR="$own_state"; fi
infrastructure/local/prerequisites.sh
started=()
stopping=0
cleanup() {
  for s in "${started[@]}"; do infrastructure/local/"$s".sh stop || true; done
  if [ -n "$own_state" ]; then rm -rf "$own_state"; fi
  if [ "$stopping" = 1 ]; then echo "stopped"; fi
}
trap cleanup EXIT
trap 'stopping=1; echo "stopping…"; exit 130' INT TERM

# `eval "$(cmd)"` would hide a failing cmd from `set -e`; capture first, then evaluate.
if [ -z "${ConnectionStrings__postgres:-}" ]; then
  pg=postgres
  [ "$replicas" = 1 ] && pg=postgres-replicated
  started+=("$pg")
  env_line="$(infrastructure/local/$pg.sh start)"
  eval "$env_line"
fi
if [ "$use_redis" = 1 ] && [ -z "${ConnectionStrings__redis:-}" ]; then
  started+=(redis)
  env_line="$(infrastructure/local/redis.sh start)"
  eval "$env_line"
fi
if [[ "$sinks" == *timestream* ]]; then
  started+=(moto)
  env_line="$(infrastructure/local/moto.sh start)"
  eval "$env_line"
  # The emulator's database and table are created by the sink at first use (local runs only).
  export ConnectionStrings__timestream Metrics__Timestream__Region=us-east-1 Metrics__Timestream__Database=lattice \
         Metrics__Timestream__Table=model_requests Metrics__Timestream__CreateTableIfMissing=true \
         Metrics__Timestream__AccessKeyId=local Metrics__Timestream__SecretAccessKey=local
fi
if [[ "$sinks" == *bigtable* ]]; then
  started+=(bigtable)
  env_line="$(infrastructure/local/bigtable.sh start)"
  eval "$env_line"
  export ConnectionStrings__bigtable Metrics__Bigtable__ProjectId=local Metrics__Bigtable__InstanceId=lattice \
         Metrics__Bigtable__TableId=model_requests Metrics__Bigtable__CreateTableIfMissing=true
fi
export Metrics__Sinks="${Metrics__Sinks:-$sinks}"
export ConnectionStrings__postgres
[ -n "${ConnectionStrings__redis:-}" ] && export ConnectionStrings__redis

build
dotnet src/LatticeLock.Cli/bin/Release/net10.0/lattice.dll migrate up

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:$(port)}"
export LatticeLock__Silo__SiloPort="${LatticeLock__Silo__SiloPort:-$(port)}" LatticeLock__Silo__GatewayPort="${LatticeLock__Silo__GatewayPort:-$(port)}"
export LatticeLock__Silo__ClusterId="${LatticeLock__Silo__ClusterId:-single-$(port)}"
echo "PostgreSQL: $ConnectionStrings__postgres"
[ -n "${ConnectionStrings__redis:-}" ] && echo "Redis: $ConnectionStrings__redis"
echo "Metric sinks: $Metrics__Sinks"
[ -n "${ConnectionStrings__timestream:-}" ] && echo "Timestream (moto_server): $ConnectionStrings__timestream"
[ -n "${ConnectionStrings__bigtable:-}" ] && echo "Bigtable emulator: $ConnectionStrings__bigtable"
echo "Silo HTTP: $ASPNETCORE_URLS (health: $ASPNETCORE_URLS/health/ready). Ctrl-C stops the silo and the local servers."
# In the background so a TERM to this script (not only Ctrl-C to the terminal) stops the silo and cleans up.
dotnet src/LatticeLock.Silo/bin/Release/net10.0/LatticeLock.Silo.dll &
silo=$!
trap 'stopping=1; echo "stopping…"; kill -TERM "$silo" 2>/dev/null; wait "$silo"; exit 130' INT TERM
wait "$silo"
