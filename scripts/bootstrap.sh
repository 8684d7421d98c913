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
.venv-tools/bin/uv sync --frozen --quiet --python "$(command -v "$PYTHON")"
mkdir -p var/broker/queue var/broker/processed
