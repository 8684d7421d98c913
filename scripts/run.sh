#!/usr/bin/env bash
# Runs the whole product on one machine: web, Celery worker and beat, SQLite and the embedded
# folder broker unless DATABASE_URL / REDIS_URL say otherwise.
#
# The worker and beat are supervised: one that exits is started again after a back-off
# (RESTART_DELAY seconds, default 1, doubling up to 60; back to the start after a minute of
# running), and each restart is announced on this script's output and in its log.
#
# Ctrl-C, or SIGTERM to this script or to its process group, stops everything within
# STOP_GRACE seconds (default 6): each process is sent SIGTERM once, and whatever is still
# running when the grace period ends is killed, children included.
# Optional: PORT (8000), SITE_URL (http://127.0.0.1:$PORT: the links in calendar feeds and
# e-mails), RUN_DIR (var: the worker and beat logs and beat's schedule),
# DEMO_CREDENTIALS_FILE (var/demo-logins.txt: where load_demo keeps the demo passwords).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-bpo_transition.settings.local}
export PYTHONUNBUFFERED=1
PORT=${PORT:-8000}
# Absolute links (calendar feeds, e-mails) point at this server unless told otherwise.
export SITE_URL=${SITE_URL:-http://127.0.0.1:$PORT}
RESTART_DELAY=${RESTART_DELAY:-1}
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

descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
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
    local pid
    for pid in "${pids[@]}"; do
      # The supervised worker, its pool processes and runserver's autoreloaded server are
      # their descendants.
      # shellcheck disable=SC2046 # one pid per word
      kill -KILL "$pid" $(descendants "$pid") 2>/dev/null || true
    done
  fi
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

# Runs "$@" again whenever it exits, until this script stops; $1 names it, $2 is its log.
supervise() {
  local name=$1 log=$2
  shift 2
  local child= delay=$RESTART_DELAY began status
  trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM
  trap '' INT
  while [ -z "$stopping" ]; do
    began=$SECONDS
    "$@" >>"$log" 2>&1 &
    child=$!
    status=0
    # A trapped signal interrupts wait; wait again until the child has really gone.
    while kill -0 "$child" 2>/dev/null; do
      wait "$child" && status=0 || status=$?
    done
    [ -n "$stopping" ] && break
    [ $((SECONDS - began)) -ge 60 ] && delay=$RESTART_DELAY
    local message="!!! $name exited (status $status) after $((SECONDS - began)) s; restarting it in ${delay} s. See $log."
    echo "$message" >&2
    echo "$(date -u '+%Y-%m-%d %H:%M:%S') $message" >>"$log"
    sleep "$delay" &
    child=$!
    wait "$child" 2>/dev/null || true
    child=
    delay=$((delay * 2 > 60 ? 60 : delay * 2))
  done
  exit 0
}

: >"$RUN_DIR/worker.log"
: >"$RUN_DIR/beat.log"
# Without heartbeats, gossip and mingle: there is one worker, and it starts and stops faster.
supervise worker "$RUN_DIR/worker.log" \
  .venv/bin/celery -A bpo_transition worker --loglevel=INFO --concurrency=2 \
  --without-heartbeat --without-gossip --without-mingle &
pids+=($!)
supervise beat "$RUN_DIR/beat.log" \
  .venv/bin/celery -A bpo_transition beat --loglevel=INFO \
  --schedule="$RUN_DIR/celerybeat-schedule" &
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
