#!/usr/bin/env bash
# Set up Reel in ./.venv (first run only) and render the example film.
#   ./try.sh                      -> out/psychosis-three-things.mp4
#   ./try.sh storyboards/X.yaml   -> out/X.mp4
set -euo pipefail
cd "$(dirname "$0")"
storyboard="${1:-storyboards/psychosis-three-things.yaml}"
if [ ! -x .venv/bin/reel ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[test,moviepy]'
fi
mkdir -p out
.venv/bin/reel validate "$storyboard"
.venv/bin/reel render "$storyboard" -o "out/$(basename "${storyboard%.*}").mp4" --force
