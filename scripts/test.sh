#!/usr/bin/env bash
# Installs what the tests need and runs them. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
# Chromium for the browser tests; pango and fonts for WeasyPrint's PDFs; poppler to read them.
SYSTEM_PACKAGES="chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils"
# shellcheck disable=SC2086
if ! dpkg -s $SYSTEM_PACKAGES >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's $SYSTEM_PACKAGES for the browser and PDF tests..."
  # shellcheck disable=SC2086
  (apt-get install -y -q $SYSTEM_PACKAGES >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q $SYSTEM_PACKAGES >/dev/null; }) \
    || echo "Could not install $SYSTEM_PACKAGES; browser tests will be skipped (outside CI)."
fi
status=0
# Two processes by default (TEST_WORKERS=0 runs in one); tests that share the broker run in
# one of them (see tests/conftest.py).
workers=${TEST_WORKERS:-2}
parallel=()
if [ "$workers" != "0" ]; then
  parallel=(-n "$workers" --dist loadgroup)
fi
.venv/bin/python -m pytest "${parallel[@]}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure." >&2
  exit 1
fi
exit "$status"
