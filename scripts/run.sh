#!/usr/bin/env bash
# Runs the whole product on one machine: web, Celery worker and beat, SQLite and a folder
# broker unless DATABASE_URL / REDIS_URL say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-bpo_transition.settings.local}
PORT=${PORT:-8000}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
.venv/bin/celery -A bpo_transition worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
worker=$!
.venv/bin/celery -A bpo_transition beat --loglevel=INFO >var/beat.log 2>&1 &
beat=$!
trap 'kill $worker $beat 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
echo
echo "BPO Transition: http://127.0.0.1:$PORT/   (worker log var/worker.log, beat log var/beat.log)"
echo "Demo logins:"
cat var/demo-logins.txt 2>/dev/null || echo "  (see the output of the first run)"
echo
.venv/bin/python manage.py runserver "127.0.0.1:$PORT"
