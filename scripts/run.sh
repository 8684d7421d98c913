#!/usr/bin/env bash
# Runs the whole product on one machine: web, Celery worker and beat, SQLite and a folder
# broker unless DATABASE_URL / REDIS_URL say otherwise.
#
# Ctrl-C, or SIGTERM to this script or to its process group, stops everything within
# STOP_GRACE seconds (default 6): each process is sent SIGTERM once, and whatever is still
# running when the grace period ends is killed, children included.
# Optional: PORT (8000), RUN_DIR (var: the worker and beat logs and beat's schedule),
# DEMO_CREDENTIALS_FILE (var/demo-logins.txt: where load_demo keeps the demo passwords).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-bpo_transition.settings.local}
export PYTHONUNBUFFERED=1
PORT=${PORT:-8000}
RUN_DIR=${RUN_DIR:-var}
STOP_GRACE=${STOP_GRACE:-6}
credentials=${DEMO_CREDENTIALS_FILE:-var/demo-logins.txt}
mkdir -p "$RUN_DIR"

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo

pids=()
stopping=

running() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

stop() {
  [ -n "$stopping" ] && return
  stopping=1
  trap '' INT TERM
  [ "${#pids[@]}" -eq 0 ] && return
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local waited=0
  while running && [ "$waited" -lt $((STOP_GRACE * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if running; then
    echo "Still running after ${STOP_GRACE}s; killing what is left." >&2
    local pid children
    for pid in "${pids[@]}"; do
      # The worker's pool processes and runserver's autoreloaded server are their children.
      children=$(pgrep -P "$pid" 2>/dev/null || true)
      # shellcheck disable=SC2086 # one pid per word
      kill -KILL "$pid" $children 2>/dev/null || true
    done
  fi
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Without heartbeats, gossip and mingle: there is one worker, and it starts and stops faster.
.venv/bin/celery -A bpo_transition worker --loglevel=INFO --concurrency=2 \
  --without-heartbeat --without-gossip --without-mingle >"$RUN_DIR/worker.log" 2>&1 &
pids+=($!)
.venv/bin/celery -A bpo_transition beat --loglevel=INFO \
  --schedule="$RUN_DIR/celerybeat-schedule" >"$RUN_DIR/beat.log" 2>&1 &
pids+=($!)

echo
echo "BPO Transition: http://127.0.0.1:$PORT/   (worker log $RUN_DIR/worker.log, beat log $RUN_DIR/beat.log)"
echo "Demo logins:"
cat "$credentials" 2>/dev/null || echo "  (see the output of the first run of load_demo)"
echo

# In the background, so that a signal reaches the trap at once rather than after the server
# has exited.
.venv/bin/python manage.py runserver "127.0.0.1:$PORT" &
server=$!
pids+=("$server")
status=0
wait "$server" || status=$?
exit "$status"
