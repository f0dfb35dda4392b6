"""The default classifier: all-MiniLM-L6-v2 fine-tuned on the repository's seed dataset, cached after the first run."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from .config import TrainConfig, cache_dir
from .labeled_data import data_hash, load_labeled_jsonl
from .models.classifier import HFClassifier

log = logging.getLogger(__name__)

# The seed data lives in the repository (the package is installed from a checkout, editable).
SEED_DATA = Path(__file__).resolve().parents[2] / "data" / "seed" / "snippets.jsonl"


def seed_data_path() -> Path:
    path = Path(os.environ.get("UNSCATHED_SEED_DATA", SEED_DATA))
    if not path.exists():
        raise FileNotFoundError(f"seed dataset {path} not found; run from a checkout of unscathed or set UNSCATHED_SEED_DATA")
    return path


def default_classifier_dir(progress: bool = True) -> Path:
    """Directory of the default classifier; trains it (about ten minutes on 2 CPU cores) when not cached.

    The cache key is the hash of the seed data, so editing the data retrains the default.
    """
    from .train import train_classifier

    rows = load_labeled_jsonl(seed_data_path())
    target = cache_dir() / f"classifier-default-{data_hash(rows)[:12]}"
    if not (target / "unscathed.json").exists():
        log.warning("no cached default classifier: training one on %s into %s (once)", seed_data_path(), target)
        train_classifier(rows, target, TrainConfig(), progress=progress)
    return target


def load_default_classifier() -> HFClassifier:
    return HFClassifier.load(default_classifier_dir())
