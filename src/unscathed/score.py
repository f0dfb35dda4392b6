"""The score stage: add p_injury and accepted to every line of a JSONL file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .config import resolve_threshold
from .labeled_data import read_jsonl
from .models.classifier import Classifier
from .snippet import Snippet


def score_file(input_path: str | Path, output_path: str | Path, classifier: Classifier, threshold: float | None = None) -> int:
    """Score every line (fields ``prompt`` and ``completion``); the output keeps all input fields.

    The whole input is validated first and the output appears only when complete. Returns the line count.
    """
    rows = [row for _, row in read_jsonl(input_path, required=("prompt", "completion"))]
    threshold = resolve_threshold(threshold, classifier)
    scores = classifier.score([Snippet(r["prompt"], r["completion"]) for r in rows])
    output_path = Path(output_path)
    fd, tmp = tempfile.mkstemp(dir=output_path.parent if str(output_path.parent) else ".", prefix=".score-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for row, p in zip(rows, scores):
                out.write(json.dumps({**row, "p_injury": float(p), "accepted": bool(p < threshold)}) + "\n")
        os.replace(tmp, output_path)
    except BaseException:
        os.unlink(tmp)
        raise
    return len(rows)
