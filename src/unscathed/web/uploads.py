"""Validate an uploaded JSONL or CSV file of snippets before anything is imported.

Fields: ``prompt`` and ``completion`` (required, non-empty text); ``label`` (0, 1, or empty for "queue it for
labeling"); ``gold`` (true marks a snippet with a known answer, mixed into the queue; needs a label);
``labeler``, ``split`` (train/validation/test), ``category``, ``source``, ``selection_strategy`` and
``selection_probability`` (the inclusion probability the snippet was drawn with, in (0, 1]; default 1). Any other field is kept in the
snippet's provenance.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ..labeled_data import SPLITS, DataError, jsonl_objects

TEXT_CHARS = 20_000
KNOWN = ("prompt", "completion", "label", "gold", "labeler", "split", "category", "source", "selection_strategy", "selection_probability")
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no", "")


class UploadError(ValueError):
    """A refused upload; the message names the file and line."""


def parse_upload(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Every row of the file, validated; raises ``UploadError`` at the first bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(f"{filename}: not UTF-8 text (byte {error.start})") from None
    if filename.endswith(".jsonl"):
        rows = list(_jsonl_rows(filename, text))
    elif filename.endswith(".csv"):
        rows = list(_csv_rows(filename, text))
    else:
        raise UploadError(f"{filename}: upload a .jsonl or .csv file")
    if not rows:
        raise UploadError(f"{filename}: no rows")
    return [_validate(filename, number, row) for number, row in rows]


def _jsonl_rows(filename: str, text: str):
    try:
        yield from jsonl_objects(text.splitlines(), filename)
    except DataError as error:
        raise UploadError(str(error)) from None


def _csv_rows(filename: str, text: str):
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        for row in reader:
            if None in row:
                raise UploadError(f"{filename}:{reader.line_num}: more cells than the header has columns")
            yield reader.line_num, {k: (v if v != "" else None) for k, v in row.items()}
    except csv.Error as error:
        raise UploadError(f"{filename}: not valid CSV ({error})") from None


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    return True if text in TRUE else False if text in FALSE else None


def _validate(filename: str, number: int, row: dict[str, Any]) -> dict[str, Any]:
    where = f"{filename}:{number}"
    for key in ("prompt", "completion"):
        value = row.get(key)
        if not isinstance(value, str) or not value.strip():
            raise UploadError(f"{where}: field {key!r} must be non-empty text")
        if len(value) > TEXT_CHARS:
            raise UploadError(f"{where}: field {key!r} is longer than {TEXT_CHARS:,} characters")
    label = row.get("label")
    if isinstance(label, str) and label.strip() in ("0", "1"):
        label = int(label)
    if label is not None and (isinstance(label, bool) or label not in (0, 1)):
        raise UploadError(f"{where}: label must be 0, 1 or empty, got {label!r}")
    gold = _flag(row.get("gold"))
    if gold is None:
        raise UploadError(f"{where}: gold must be true or false, got {row.get('gold')!r}")
    if gold and label is None:
        raise UploadError(f"{where}: a gold snippet needs its known label")
    split = row.get("split")
    if split is not None and split not in SPLITS:
        raise UploadError(f"{where}: split must be one of {', '.join(SPLITS)}, got {split!r}")
    for key in ("labeler", "category", "source"):
        if row.get(key) is not None and (not isinstance(row[key], str) or len(row[key]) > 40):
            raise UploadError(f"{where}: {key} must be text of at most 40 characters")
    strategy, probability = row.get("selection_strategy") or "all", row.get("selection_probability", 1.0)
    if isinstance(probability, str):
        try:
            probability = float(probability) if probability.strip() else 1.0
        except ValueError:
            raise UploadError(f"{where}: selection_probability must be a number in (0, 1], got {probability!r}") from None
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 < probability <= 1:
        raise UploadError(f"{where}: selection_probability must be a number in (0, 1], got {probability!r}")
    if not isinstance(strategy, str) or len(strategy) > 60:
        raise UploadError(f"{where}: selection_strategy must be text of at most 60 characters")
    extras = {k: v for k, v in row.items() if k not in KNOWN and v is not None}
    provenance = {"imported_from": filename, "line": number, **extras}
    return {"prompt": row["prompt"], "completion": row["completion"], "label": label, "gold": gold, "labeler": row.get("labeler"), "split": split, "category": row.get("category"), "source": row.get("source") or "imported", "provenance": provenance,
            "selection_strategy": strategy, "selection_probability": float(probability)}
