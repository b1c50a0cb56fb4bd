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

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Waits up to $3 seconds (default 30) for 127.0.0.1:$1 to accept connections while process $2 lives.
wait_for_port() {
  local port="$1" pid="$2" deadline=$((SECONDS + ${3:-30}))
  until port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# Ends process $1 (TERM, then KILL after 10 s) and waits until it is gone.
end_process() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
