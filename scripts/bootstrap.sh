#!/usr/bin/env bash
# Installs the locked dependencies into .venv (uv from PyPI, kept in .venv-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
PYTHON=${PYTHON:-python3}
if [ ! -x .venv-tools/bin/uv ] || [ "$(.venv-tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  "$PYTHON" -m venv .venv-tools
  .venv-tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never
# The first sync picks the interpreter; later ones keep the one .venv has (a python3 found on
# PATH may be .venv's own, and asking for it would make uv rebuild the environment).
python_choice=()
if [ ! -x .venv/bin/python ]; then
  python_choice=(--python "$(command -v "$PYTHON")")
fi
# One sync at a time: tests and run.sh may call this while another sync runs.
mkdir -p var
exec 9>var/.bootstrap.lock
flock 9
.venv-tools/bin/uv sync --frozen --quiet "${python_choice[@]}"
mkdir -p var/broker/queue var/broker/processed
