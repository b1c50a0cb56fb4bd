#!/usr/bin/env bash
# Everything the tests need, then all tests. Works on a fresh machine: prerequisites.sh installs what is missing
# (redis-server with apt-get), and the test fixtures start their own throwaway PostgreSQL 15 and redis-server
# through infrastructure/local/, removing them afterwards. Extra arguments go to `dotnet test` (e.g. --filter X).
set -euo pipefail
cd "$(dirname "$0")"

infrastructure/local/prerequisites.sh --emulators

dotnet build LatticeLock.sln -c Release -warnaserror -nologo -v quiet

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test tests/LatticeLock.Tests/LatticeLock.Tests.csproj -c Release --no-build --nologo \
  --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# One plain closing line for CI: "N passed, N failed, N skipped" (from the runner's "Total tests" block).
count() { grep -E "^[[:space:]]+$1: +[0-9]+" "$log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
if grep -qE '^Total tests: +[0-9]+' "$log"; then
  echo "tests: $(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
fi
exit "$status"
