"""The default classifier: a probe on the default generator's hidden states, shipped in the package.

It is small (a logistic-regression head, well under 1 MB) and reproduced by the command in the README, so a
fresh clone scores offline with no training. ``seed_data_path`` names the seed dataset other stages default to.
"""

from __future__ import annotations

import os
from pathlib import Path

from .models.probe import ProbeClassifier

# The seed data lives in the repository (the package is installed from a checkout, editable).
SEED_DATA = Path(__file__).resolve().parents[2] / "data" / "seed" / "snippets.jsonl"
DEFAULT_PROBE = Path(__file__).resolve().parent / "models" / "default_probe"


def seed_data_path() -> Path:
    path = Path(os.environ.get("UNSCATHED_SEED_DATA", SEED_DATA))
    if not path.exists():
        raise FileNotFoundError(f"seed dataset {path} not found; run from a checkout of unscathed or set UNSCATHED_SEED_DATA")
    return path


def default_classifier_dir() -> Path:
    """Directory of the shipped default classifier (a probe; see the README for the command that rebuilds it)."""
    if not (DEFAULT_PROBE / "probe.safetensors").exists():
        raise FileNotFoundError(f"the default classifier {DEFAULT_PROBE} is missing from this checkout")
    return DEFAULT_PROBE


def load_default_classifier() -> ProbeClassifier:
    return ProbeClassifier.load(default_classifier_dir())
