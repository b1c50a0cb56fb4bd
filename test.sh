#!/usr/bin/env bash
# Everything the tests need, then all tests. Works on a fresh machine: the test fixtures start their own
# PostgreSQL and redis-server through infrastructure/local/ (installing redis-server with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")"

# Install what the fixtures need before any test runs, so a missing package fails here with a clear message.
infrastructure/local/prerequisites.sh

dotnet build LatticeLock.sln -c Release -warnaserror
dotnet test tests/LatticeLock.Tests/LatticeLock.Tests.csproj -c Release --no-build \
  --logger "console;verbosity=normal" "$@"
