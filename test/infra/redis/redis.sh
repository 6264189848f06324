#!/usr/bin/env bash
# A throwaway redis-server for tests, on its own free 127.0.0.1 port (never the system one).
#
#   redis.sh start    start it; prints redis://127.0.0.1:PORT on stdout
#   redis.sh status   prints the URL and exits 0 while it runs, else exits 1
#   redis.sh stop     stop it and delete its directory
#
# Environment:
#   DRIFTWATCH_CACHE        cache root (default $HOME/.cache/driftwatch)
#   DRIFTWATCH_REDIS_STATE  state dir holding pid, url, logs (default $DRIFTWATCH_CACHE/run/redis)
#   DRIFTWATCH_OWNER_PID    when set, a watchdog stops redis once that process is gone
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${DRIFTWATCH_CACHE:-$HOME/.cache/driftwatch}
state=${DRIFTWATCH_REDIS_STATE:-$cache/run/redis}

log() { printf 'redis.sh: %s\n' "$*" >&2; }

running_pid() {
  local pid
  pid=$(cat "$state/pid" 2>/dev/null || true)
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'redis-server'; then
    printf '%s' "$pid"
  fi
}

start() {
  local pid port dir
  pid=$(running_pid)
  if [[ -n $pid ]]; then cat "$state/url"; return 0; fi
  command -v redis-server >/dev/null || { log "redis-server not found: install it or set REDIS_URL"; exit 1; }
  mkdir -p "$state"
  port=$(node "$here/../lib/free-port.mjs" 1)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/driftwatch-redis.XXXXXX")
  printf '%s\n' "$dir" >"$state/data-dir"
  # No persistence: test data is thrown away, and fsyncs would only slow the tests down.
  setsid nohup redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" \
    --save '' --appendonly no --protected-mode yes --databases 16 \
    --logfile "$state/redis.log" --loglevel warning \
    >/dev/null 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$state/pid"
  printf 'redis://127.0.0.1:%s\n' "$port" >"$state/url"
  if [[ -n ${DRIFTWATCH_OWNER_PID:-} ]]; then
    # A harness-made state dir (driftwatch-*) goes too; a human's chosen one is left alone.
    local leftovers=("$dir")
    [[ $(basename "$state") == driftwatch-* ]] && leftovers+=("$state")
    setsid nohup "$here/../lib/watchdog.sh" "$DRIFTWATCH_OWNER_PID" "$pid" "${leftovers[@]}" \
      >/dev/null 2>&1 </dev/null &
  fi
  for _ in $(seq 1 100); do
    if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true) == PONG ]]; then
      cat "$state/url"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  log "redis-server did not answer on port $port:"
  tail -n 20 "$state/redis.log" >&2 2>/dev/null || true
  stop
  exit 1
}

stop() {
  local pid dir
  pid=$(running_pid)
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  dir=$(cat "$state/data-dir" 2>/dev/null || true)
  [[ -n $dir && $dir == */driftwatch-redis.* ]] && rm -rf -- "$dir"
  rm -f "$state/pid" "$state/url" "$state/data-dir"
}

status() {
  if [[ -n $(running_pid) ]]; then cat "$state/url"; else echo "not running" >&2; return 1; fi
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
