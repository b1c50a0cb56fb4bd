# Shared by the local server scripts: state folder, free ports, running as another user.
set -euo pipefail

LL_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LL_STATE_DIR="${LL_STATE_DIR:-$LL_REPO_ROOT/.local}"
mkdir -p "$LL_STATE_DIR"

free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

log() { echo "[local] $*" >&2; }
die() { echo "[local] error: $*" >&2; exit 1; }
