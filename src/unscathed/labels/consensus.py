"""The decided label of a snippet from its readers' labels (no I/O, no dependencies: the store uses it too).

One label stands alone; two that agree stand; two that disagree go to a third reader, whose label makes the
majority. A toss-up is labeled 1 and flagged unsure (spec v2), and the flag is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Consensus:
    label: int
    unsure: bool
    rule: str  # "single", "agreed", "third reader"


def consensus(answers: list[dict[str, Any]]) -> Consensus | None:
    """The decided label of one snippet, or None while two labels disagree and no third reader has answered."""
    labels = [a["label"] for a in answers]
    if len(labels) == 1:
        return Consensus(labels[0], bool(answers[0]["unsure"]), "single")
    if len(set(labels[:2])) == 1:
        return Consensus(labels[0], any(a["unsure"] for a in answers[:2]), "agreed")
    if len(labels) < 3:
        return None
    decided = 1 if sum(labels[:3]) >= 2 else 0
    return Consensus(decided, any(a["unsure"] for a in answers[:3] if a["label"] == decided), "third reader")
