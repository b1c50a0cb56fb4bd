#!/usr/bin/env bash
# Everything the tests need, then all tests. Works on a fresh machine.
#   1. builds the solution with warnings as errors;
#   2. runs tests/LatticeLock.UnitTests: no servers, nothing installed beyond the .NET SDK;
#   3. prerequisites.sh installs what is missing (postgresql-15, redis-server with apt-get), then
#      tests/LatticeLock.IntegrationTests runs: its fixtures (tests/LatticeLock.Testing) start their own throwaway
#      PostgreSQL 15 and redis-server through infrastructure/local/ and remove them afterwards;
#      Before them, npm ci installs the OpenTelemetry JS SDK and exporter into tests/otlp-node/node_modules.
#   4. tests/LatticeLock.FaultTests breaks real processes mid-load (kill -9 or SIGSTOP a silo, PostgreSQL -m immediate, SIGSTOP
#      for 10 s; 64 HTTP writers on two silo processes) and prints each run's figures (longest wait after the fault);
#   5. prerequisites.sh --emulators checks moto_server and the Bigtable emulator, then tests/LatticeLock.EmulatorTests
#      runs the cloud metric sinks against them (and PostgreSQL for the dual-write outage tests).
# Extra arguments go to every `dotnet test` run (e.g. --filter X).
set -euo pipefail
cd "$(dirname "$0")"

command -v dotnet >/dev/null 2>&1 || { echo "test.sh: the .NET SDK 10 (dotnet) is not on PATH" >&2; exit 1; }
dotnet build LatticeLock.sln -c Release -warnaserror -nologo -v quiet

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
run_tests() {
  dotnet test "$1" -c Release --no-build --nologo --logger "console;verbosity=${verbosity:-normal}" "${@:2}" 2>&1 | tee -a "$log" || status=$?
}

run_tests tests/LatticeLock.UnitTests/LatticeLock.UnitTests.csproj "$@"
infrastructure/local/prerequisites.sh
# The OpenTelemetry JS SDK and OTLP/proto exporter the Node exporter test runs (pinned by tests/otlp-node/package-lock.json).
command -v npm >/dev/null 2>&1 || { echo "test.sh: Node.js 20 and npm are needed for tests/otlp-node (apt-get install nodejs npm)" >&2; exit 1; }
(cd tests/otlp-node && npm ci --no-audit --no-fund --loglevel=error)
run_tests tests/LatticeLock.IntegrationTests/LatticeLock.IntegrationTests.csproj "$@"
# Detailed, so each fault run's table (acknowledged, refused, longest wait after the fault) is in the output.
verbosity=detailed run_tests tests/LatticeLock.FaultTests/LatticeLock.FaultTests.csproj "$@"
infrastructure/local/prerequisites.sh --emulators
run_tests tests/LatticeLock.EmulatorTests/LatticeLock.EmulatorTests.csproj "$@"

# One plain closing line for CI: "N passed, N failed, N skipped", summed over the four runs' "Total tests" blocks.
sum() { grep -E "^[[:space:]]+$1: +[0-9]+" "$log" | grep -oE '[0-9]+' | awk '{s+=$1} END {print s+0}'; }
# CI shows only the end of the output: repeat each failure (name, message, first lines of the stack) here.
if grep -qE '^  Failed ' "$log"; then
  echo "failed tests:"
  awk '/^  Failed /{on=1; n=0} /^  (Passed|Skipped) |^\[xUnit/{on=0} on && n++ < 40' "$log"
fi
# The fault runs' figures (CI shows the end of the output).
if grep -qE '^ +fault: ' "$log"; then
  echo "fault injection figures:"
  grep -E '^ +(fault: |\| |longest wait beyond)' "$log" | sed 's/^ *//' | awk '!seen[$0]++' || true
fi
if grep -qE '^Total tests: +[0-9]+' "$log"; then
  echo "tests: $(sum Passed) passed, $(sum Failed) failed, $(sum Skipped) skipped"
fi
exit "$status"
