"""The labeled unsafe rate: a person's 0/1 labels of unfiltered single samples, per generator.

The classifier-judged unsafe rate of a distilled generator is judged by the very classifier it was trained
against, so it can fall without the text getting safer (reward hacking). A small blind human-labeled sample
(``benchmarks/distill_labeled_sample.py``) checks it with a judge the training never saw.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..labeled_data import DataError, read_jsonl
from ..stats import Estimate, wilson_interval


@dataclass(frozen=True)
class LabeledSample:
    """One labeled completion: which generator drew it, and the person's label (1 = describes injury)."""

    prompt: str
    completion: str
    generator: str
    label: int
    note: str = ""


def read_labeled(path: str | Path) -> list[LabeledSample]:
    """Rows of a labeled-sample JSONL (prompt, completion, generator, label 0/1, optional note)."""
    rows = []
    for number, row in read_jsonl(Path(path), required=("prompt", "completion", "generator", "label")):
        if row["label"] not in (0, 1) or isinstance(row["label"], bool):
            raise DataError(f"{path}:{number}: 'label' must be 0 or 1, not {row['label']!r}")
        rows.append(LabeledSample(row["prompt"], row["completion"], str(row["generator"]), int(row["label"]), str(row.get("note", ""))))
    if not rows:
        raise DataError(f"{path}: no labeled rows")
    return rows


def wilson(events: int, n: int) -> Estimate:
    """A binomial proportion with its 95% Wilson score interval (``stats.wilson_interval``)."""
    if n <= 0:
        raise ValueError("no labels")
    low, high = wilson_interval(events, n)
    return Estimate(events / n, low, high, n, float(n))


def labeled_rates(rows: list[LabeledSample]) -> dict[str, Estimate]:
    """Each generator's labeled unsafe rate of a single sample, with a 95% Wilson interval."""
    by_generator: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_generator[row.generator].append(row.label)
    return {name: wilson(sum(labels), len(labels)) for name, labels in by_generator.items()}
