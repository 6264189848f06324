#!/usr/bin/env bash
# Usage: watchdog.sh OWNER_PID CHILD_PID CLEANUP_DIR...
# Kills CHILD_PID and removes the directories once OWNER_PID is gone (e.g. a test runner that
# was killed with SIGKILL and never ran its teardown), so that no broker outlives its tests.
# Exits quietly when the child stops first (normal teardown).
owner=$1 child=$2
shift 2
while kill -0 "$owner" 2>/dev/null; do
  kill -0 "$child" 2>/dev/null || exit 0
  sleep 2
done
if kill -0 "$child" 2>/dev/null; then
  kill -TERM "$child" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$child" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$child" 2>/dev/null
fi
rm -rf -- "$@"
