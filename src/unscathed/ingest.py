"""The ingest stage: turn a corpus of stories into prompt windows of a few sentences, keyed by story."""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .jsonl import DataError, read_jsonl

_ABBREVIATIONS = "".join(rf"(?<!\b{a}\.)" for a in ("Mr", "Mrs", "Ms", "Dr", "St", "Prof", "Jr", "Sr", "vs"))
_SENTENCE_END = re.compile(r"(?<=[.!?])" + _ABBREVIATIONS + r"[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class PromptWindow:
    prompt_id: str
    story_id: str
    prompt: str
    first_sentence: int
    source: str


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences (a terminator, optional closing quote, whitespace, then a capital)."""
    text = re.sub(r"\s+", " ", text).strip()
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()] if text else []


def windows(story_id: str, sentences: list[str], size: int, stride: int, source: str) -> Iterator[PromptWindow]:
    """Consecutive windows of ``size`` sentences, every ``stride`` sentences; a short tail is dropped."""
    for start in range(0, len(sentences) - size + 1, stride):
        prompt = " ".join(sentences[start : start + size])
        digest = hashlib.sha1(f"{story_id}\x00{start}\x00{prompt}".encode()).hexdigest()[:12]
        yield PromptWindow(f"{story_id}:{start}:{digest}", story_id, prompt, start, source)


def read_stories(path: Path, story_column: str, text_column: str, story_pattern: str | None) -> dict[str, list[str]]:
    """Sentences of each story, in order. CSV rows and JSONL lines are joined per story id."""
    texts: dict[str, list[str]] = {}
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in (story_column, text_column) if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(f"{path}:1: CSV header lacks column(s) {', '.join(missing)}; has {reader.fieldnames}")
            for row in reader:
                texts.setdefault(row[story_column], []).append(row[text_column] or "")
    elif path.suffix == ".jsonl":
        for number, row in read_jsonl(path, required=(story_column, text_column)):
            if not isinstance(row[text_column], str):
                raise DataError(f"{path}:{number}: field {text_column!r} must be a string")
            texts.setdefault(str(row[story_column]), []).append(row[text_column])
    else:
        raw = path.read_text(encoding="utf-8")
        parts = re.split(story_pattern, raw, flags=re.MULTILINE) if story_pattern else [raw]
        for k, part in enumerate(p for p in parts if p.strip()):
            texts[f"{path.stem}-{k}" if story_pattern else path.stem] = [part]
    return {story: split_sentences(" ".join(chunks)) for story, chunks in texts.items()}


def ingest(path: str | Path, size: int = 3, stride: int | None = None, story_column: str = "story_id", text_column: str = "text", story_pattern: str | None = None) -> list[PromptWindow]:
    """Prompt windows for every story in the corpus at ``path`` (.txt, .csv or .jsonl)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if size < 1:
        raise ValueError(f"window size must be >= 1, got {size}")
    stories = read_stories(path, story_column, text_column, story_pattern)
    return [w for story_id, sentences in stories.items() for w in windows(story_id, sentences, size, stride or size, path.name)]
