#!/usr/bin/env bash
# A separate venv, .venv-textattack, with TextAttack 0.3.11 for the peer benchmark (benchmarks/attack_peer.py).
#
# Why separate: TextAttack needs transformers<5, unscathed needs transformers>=5, so they cannot share one
# interpreter. Why this order: a plain `pip install textattack` makes the resolver fall back to an old
# scikit-learn source build here, so TextAttack and bert-score go in without dependencies and their needs are
# listed below with the caps that keep the resolver on prebuilt wheels.
# At import TextAttack reads NLTK's English stopwords: benchmarks/nltk_data holds that word list, so nothing
# is downloaded (run with NLTK_DATA=benchmarks/nltk_data; benchmarks/attack_peer.py sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
VENV=.venv-textattack
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
PIP="$VENV/bin/python -m pip install --quiet"
$PIP --upgrade pip
# Pinned: an unpinned torch pulls a multi-GB CUDA build; this one is the CPU wheel on disk.
$PIP "torch==2.13.0"
$PIP --no-deps "textattack==0.3.11" "bert-score==0.3.13"
$PIP "transformers>=4.30,<5" "huggingface-hub<1" "datasets>=2.4,<4" flair \
    editdistance filelock language_tool_python lemminflect lru-dict nltk "numpy>=1.21" "pandas>=1.0.1" \
    "scipy>=1.4.1" terminaltables tqdm word2number num2words more-itertools "pinyin>=0.4.0" jieba OpenHowNet \
    Levenshtein safetensors matplotlib requests packaging
# Smoke test: the import that needs the stopwords, offline.
NLTK_DATA="$PWD/benchmarks/nltk_data" HF_HUB_OFFLINE=1 "$VENV/bin/python" -c \
    "import textattack, transformers; print('textattack imported; transformers', transformers.__version__)"
echo "TextAttack is set up in $VENV"
