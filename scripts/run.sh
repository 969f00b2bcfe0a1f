#!/usr/bin/env bash
# `make run`: the collector scheduler in the background, Streamlit in the foreground;
# stopping Streamlit (Ctrl-C) stops the collectors too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
"$PY" -m collectors run &
collectors=$!
trap 'kill "$collectors" 2>/dev/null || true' EXIT INT TERM
"$PY" -m dashboard "$@"
