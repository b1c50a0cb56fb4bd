#!/usr/bin/env bash
# Main job: brings up the local stack (PostgreSQL; Redis too with --redis), migrates the schema and runs one silo
# until Ctrl-C. With ConnectionStrings__postgres already set, that database is used instead of a throwaway one.
#   ./run.sh            PostgreSQL clustering
#   ./run.sh --redis    Redis clustering (ConnectionStrings__redis)
set -euo pipefail
cd "$(dirname "$0")"

use_redis=0
for arg in "$@"; do
  case "$arg" in
    --redis) use_redis=1 ;;
    *) echo "usage: $0 [--redis]" >&2; exit 2 ;;
  esac
done

infrastructure/local/prerequisites.sh
started=()
cleanup() {
  for s in "${started[@]}"; do infrastructure/local/"$s".sh stop || true; done
}
trap cleanup EXIT
trap "exit 130" INT TERM

if [ -z "${ConnectionStrings__postgres:-}" ]; then
  eval "$(infrastructure/local/postgres.sh start)"
  started+=(postgres)
fi
if [ "$use_redis" = 1 ] && [ -z "${ConnectionStrings__redis:-}" ]; then
  eval "$(infrastructure/local/redis.sh start)"
  started+=(redis)
fi
export ConnectionStrings__postgres
[ -n "${ConnectionStrings__redis:-}" ] && export ConnectionStrings__redis

dotnet build LatticeLock.sln -c Release -warnaserror -v quiet -nologo
dotnet src/LatticeLock.Cli/bin/Release/net10.0/lattice.dll migrate up

export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://127.0.0.1:8080}"
echo "PostgreSQL: $ConnectionStrings__postgres"
[ -n "${ConnectionStrings__redis:-}" ] && echo "Redis: $ConnectionStrings__redis"
echo "Silo HTTP: $ASPNETCORE_URLS (health: $ASPNETCORE_URLS/health/ready). Ctrl-C stops the silo and the local servers."
dotnet src/LatticeLock.Silo/bin/Release/net10.0/LatticeLock.Silo.dll
