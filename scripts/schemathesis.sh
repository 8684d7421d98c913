#!/usr/bin/env bash
# The REST API fuzzed against its own OpenAPI schema on a live server: every check of
# schemathesis (`--checks all`), a bounded number of cases per operation. Exits non-zero on
# any finding. The configuration and what it expresses: fuzz/.
#
# It creates its own database (SCHEMATHESIS_DATABASE_URL, default PostgreSQL
# bpo_transition_schemathesis on 127.0.0.1, dropped and created again), loads the demo
# tenant, issues an API token, and serves the app with gunicorn on
# 127.0.0.1:SCHEMATHESIS_PORT (8765). Tasks go to a folder broker nobody reads: the API only
# enqueues them. SCHEMATHESIS_MAX_EXAMPLES (default 8) and SCHEMATHESIS_SEED (default 16)
# bound and fix the run; extra arguments go to `schemathesis run`.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${SCHEMATHESIS_PORT:-8765}
database_url=${SCHEMATHESIS_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bpo_transition_schemathesis}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-8}
seed=${SCHEMATHESIS_SEED:-16}
work=$(mktemp -d)
server=

stop() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export DJANGO_SETTINGS_MODULE=bpo_transition.settings.local
export DATABASE_URL=$database_url
export DEBUG=false
export ALLOWED_HOSTS=127.0.0.1
export BROKER_DIR=$work/broker
export DEMO_CREDENTIALS_FILE=$work/demo-logins.txt
# The run sends thousands of requests with one token; the throttle has a test of its own.
export API_THROTTLE_RATE=1000000/min
unset REDIS_URL

if [[ $database_url == postgres://* ]]; then
  name=${database_url##*/}
  server_url=${database_url%/*}/postgres
  psql "$server_url" -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS \"$name\""
  psql "$server_url" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE \"$name\""
fi
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py load_demo >/dev/null 2>&1
if ! .venv/bin/python manage.py shell <fuzz/fixture.py >"$work/fixture.out" 2>&1; then
  echo "schemathesis: fuzz/fixture.py failed: $(tail -n 1 "$work/fixture.out")" >&2
  exit 1
fi
grep '^export ' "$work/fixture.out" >"$work/fixture.sh"
# shellcheck disable=SC1091
source "$work/fixture.sh"

# No limit on the request line: a generated query far past a parameter's maxLength must reach
# the app (and get its 400 naming the parameter), not gunicorn's HTML 414 in front of it.
.venv/bin/gunicorn bpo_transition.wsgi --bind "127.0.0.1:$port" --workers 2 \
  --limit-request-line 0 >"$work/server.log" 2>&1 &
server=$!
schema="http://127.0.0.1:$port/api/schema/?format=json"

started=$(date +%s)
status=0
.venv/bin/schemathesis --no-color --config-file fuzz/schemathesis.toml run "$schema" \
  --checks all \
  --header "Authorization: Bearer $ST_TOKEN" \
  --max-examples "$max_examples" \
  --seed "$seed" \
  --wait-for-schema 30 \
  "$@" || status=$?
echo "schemathesis: exit $status after $(($(date +%s) - started)) s"
if [ "$status" -ne 0 ] && [ -s "$work/server.log" ]; then
  echo "--- server log ---"
  tail -n 50 "$work/server.log"
fi
exit "$status"
