#!/usr/bin/env bash
# Throwaway redis-server on a free loopback port, installed with apt-get when missing.
#   redis.sh start | stop | env
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STATE="$LL_STATE_DIR/redis.state"

ensure_installed() {
  command -v redis-server >/dev/null 2>&1 && return
  if [ "$(id -u)" = "0" ]; then
    log "installing redis-server with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    die "redis-server is not installed; install the Debian package 'redis-server' (apt-get install redis-server) or run as root"
  fi
}

print_env() {
  # shellcheck disable=SC1090
  source "$STATE"
  echo "export ConnectionStrings__redis='127.0.0.1:$PORT'"
}

running() {
  [ -f "$STATE" ] || return 1
  # shellcheck disable=SC1090
  source "$STATE"
  redis-cli -h 127.0.0.1 -p "$PORT" ping >/dev/null 2>&1
}

start() {
  if running; then log "redis already running"; print_env; return; fi
  ensure_installed
  local dir port
  dir="$(mktemp -d /tmp/latticelock-redis.XXXXXX)"
  port="$(free_port)"
  log "starting redis-server on 127.0.0.1:$port"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 || { cat "$dir/redis.log" >&2; die "redis-server did not start"; }
  printf 'DIR=%q\nPORT=%q\n' "$dir" "$port" >"$STATE"
  print_env
}

stop() {
  [ -f "$STATE" ] || { log "no redis state in $STATE"; return; }
  # shellcheck disable=SC1090
  source "$STATE"
  redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$DIR" "$STATE"
  log "redis stopped and removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) running || die "no running redis (run: $0 start)"; print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
