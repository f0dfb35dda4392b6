"""Training text for the generator: the public-domain fiction in the shared corpora, as token blocks per book.

The FairytaleQA test split and the Sherlock Holmes stories are for evaluation only; ``training_documents``
refuses them, and ``evaluation_documents`` reads only them (held-out perplexity).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

EVALUATION_ONLY = ("fairytaleqa_sentences_test.csv", "sherlock_holmes_adventures.txt")
TRAINING_FILES = ("gutenberg/*.txt", "fairytaleqa_sentences_train.csv", "fairytaleqa_sentences_val.csv")


@dataclass(frozen=True)
class Document:
    """One story or book: ``doc_id`` keeps splits by story."""

    doc_id: str
    source: str
    text: str


@dataclass(frozen=True)
class Block:
    """A run of ``block_size`` tokens from one document."""

    doc_id: str
    input_ids: tuple[int, ...]


def corpora_dir() -> Path:
    """``$UNSCATHED_CORPORA``, else ``../shared/data/corpora`` beside the checkout."""
    default = Path(__file__).resolve().parents[4] / "shared" / "data" / "corpora"
    path = Path(os.environ.get("UNSCATHED_CORPORA", default))
    if not path.is_dir():
        raise FileNotFoundError(f"corpora folder {path} not found; set UNSCATHED_CORPORA")
    return path


def _prose(raw: str) -> str:
    """Unwrap hard-wrapped lines into paragraphs separated by one blank line."""
    paragraphs = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", raw)]
    return "\n\n".join(p for p in paragraphs if p)


def read_document_file(path: Path) -> list[Document]:
    """A .txt file is one book; a FairytaleQA .csv (``document_id,text``) holds one story per document id."""
    if path.suffix == ".txt":
        return [Document(path.stem, path.name, _prose(path.read_text(encoding="utf-8")))]
    stories: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"document_id", "text"} <= set(reader.fieldnames):
            raise ValueError(f"{path}:1: expected columns document_id,text; got {reader.fieldnames}")
        for row in reader:
            stories.setdefault(row["document_id"], []).append(row["text"].strip())
    return [Document(doc_id, path.name, " ".join(sentences)) for doc_id, sentences in stories.items()]


def training_documents(root: Path | None = None, exclude: Sequence[str] = ()) -> list[Document]:
    """Every training story and book, minus the document ids in ``exclude``."""
    root = root or corpora_dir()
    paths = sorted(p for pattern in TRAINING_FILES for p in root.glob(pattern))
    if not paths:
        raise FileNotFoundError(f"no training corpora under {root} ({', '.join(TRAINING_FILES)})")
    for path in paths:
        if path.name in EVALUATION_ONLY:
            raise ValueError(f"{path} is evaluation-only and must never be trained on")
    skipped = set(exclude)
    return [d for path in paths for d in read_document_file(path) if d.doc_id not in skipped]


def evaluation_documents(root: Path | None = None) -> list[Document]:
    """The evaluation-only texts: FairytaleQA's test stories and the Sherlock Holmes stories."""
    root = root or corpora_dir()
    return [d for name in EVALUATION_ONLY for d in read_document_file(root / name)]


def token_blocks(documents: Sequence[Document], tokenizer, block_size: int) -> list[Block]:
    """Each document tokenized and cut into full blocks of ``block_size`` tokens (a short tail is dropped)."""
    if block_size < 2:
        raise ValueError(f"block_size must be >= 2, got {block_size}")
    blocks: list[Block] = []
    for doc in documents:
        ids = tokenizer(doc.text, add_special_tokens=False)["input_ids"]
        blocks.extend(Block(doc.doc_id, tuple(ids[i : i + block_size])) for i in range(0, len(ids) - block_size + 1, block_size))
    return blocks
