"""Read labeled snippets from JSONL files or a store, validating every line before anything is used."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .jsonl import DataError, jsonl_objects, read_jsonl

SPLITS = ("train", "validation", "test")

__all__ = ["SPLITS", "DataError", "LabeledSnippet", "data_hash", "jsonl_objects", "load_labeled", "load_labeled_jsonl", "load_split", "read_jsonl", "split_by_prompt"]


@dataclass(frozen=True)
class LabeledSnippet:
    prompt: str
    completion: str
    label: int
    split: str | None = None
    category: str | None = None


def load_labeled_jsonl(path: str | Path) -> list[LabeledSnippet]:
    """All rows of a labeled JSONL file (fields prompt, completion, label 0/1, optional split, category)."""
    rows = []
    for number, row in read_jsonl(path, required=("completion", "label")):
        if "prompt" not in row:
            if "prompt_ref" not in row:
                raise DataError(f"{path}:{number}: missing field 'prompt' (or a corpus 'prompt_ref')")
            from .corpus_windows import resolve_prompt

            try:
                row["prompt"] = resolve_prompt(row["prompt_ref"])
            except (KeyError, ValueError, FileNotFoundError) as error:
                raise DataError(f"{path}:{number}: prompt_ref does not resolve: {error}") from error
        if row["label"] not in (0, 1) or isinstance(row["label"], bool):
            raise DataError(f"{path}:{number}: label must be 0 or 1, got {row['label']!r}")
        split = row.get("split")
        if split is not None and split not in SPLITS:
            raise DataError(f"{path}:{number}: split must be one of {', '.join(SPLITS)}, got {split!r}")
        rows.append(LabeledSnippet(row["prompt"], row["completion"], int(row["label"]), split, row.get("category")))
    if not rows:
        raise DataError(f"{path}: no labeled rows")
    return rows


def load_labeled(source: str) -> list[LabeledSnippet]:
    """Labeled snippets from a JSONL path or from a store given as a SQLAlchemy URL (``sqlite:///...``)."""
    if "://" in source:
        from .store import open_store

        rows = open_store(source).labeled_snippets()
        if not rows:
            raise DataError(f"{source}: the store holds no labeled snippets")
        return [LabeledSnippet(r["prompt"], r["completion"], int(r["label"]), r["split"]) for r in rows]
    return load_labeled_jsonl(source)


def load_split(source: str | None, split: str) -> tuple[str, list[LabeledSnippet]]:
    """(path read, rows of one split) of a labeled JSONL file; ``all`` keeps every row, ``None`` means the
    seed dataset."""
    if source is None:
        from .default_classifier import seed_data_path

        source = str(seed_data_path())
    rows = [r for r in load_labeled_jsonl(source) if split == "all" or r.split == split]
    if not rows:
        raise DataError(f"{source} has no rows in split {split!r}")
    return source, rows


def data_hash(rows: list[LabeledSnippet]) -> str:
    """SHA-256 of the labeled content, so a classifier records exactly which data trained it."""
    digest = hashlib.sha256()
    for r in rows:
        digest.update(json.dumps([r.prompt, r.completion, r.label, r.split]).encode())
    return digest.hexdigest()


def split_by_prompt(rows: list[LabeledSnippet], validation_fraction: float, seed: int) -> tuple[list[LabeledSnippet], list[LabeledSnippet], list[LabeledSnippet]]:
    """(train, validation, test). Uses the rows' own split when every row has one; else hashes the prompt,
    so that all completions of one prompt land in the same split."""
    if all(r.split for r in rows):
        parts = {s: [r for r in rows if r.split == s] for s in SPLITS}
        if not parts["train"] or not parts["validation"]:
            raise DataError("the data's split column needs both train and validation rows")
        return parts["train"], parts["validation"], parts["test"]

    def bucket(prompt: str) -> float:
        h = hashlib.sha256(f"{seed}:{prompt}".encode()).digest()
        return int.from_bytes(h[:8], "big") / 2**64

    train = [r for r in rows if bucket(r.prompt) >= validation_fraction]
    validation = [r for r in rows if bucket(r.prompt) < validation_fraction]
    if not train or not validation:
        raise DataError(f"{len(rows)} rows are too few to hold out {validation_fraction:.0%} of prompts for validation")
    return train, validation, []
