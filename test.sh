#!/usr/bin/env bash
# Set up Reel in ./.venv (first run only) and run the whole test suite (plus the linter).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/pytest ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test,moviepy]'
fi
.venv/bin/ruff check toolkit tests bench scripts setup.py
.venv/bin/python -m pytest -q "$@"
