"""Catch a labeler's note that belongs to another row (a shifted answer file).

A note says why a label was given, so it shares words with the completion it was written for. When a note
shares content words with a neighbouring row's completion and none with its own snippet, the answers have
probably slipped by a row: the label beside it is then the neighbour's too.
"""

from __future__ import annotations

import re
from typing import Sequence

_STOP = set("that this with from they them their there were what when where which while would could should about after before into onto upon over under than then have been being does done just like only some such very also your said says".split())


def content_words(text: str) -> set[str]:
    """Lower-cased words of four letters or more, minus common function words, crudely singularised."""
    return {w.rstrip("s") for w in re.findall(r"[a-z']{4,}", text.lower()) if w not in _STOP}


def misplaced_notes(rows: Sequence[dict]) -> list[str]:
    """Ids of rows (in file order) whose note matches a neighbour's completion better than its own snippet."""
    flagged = []
    for k, row in enumerate(rows):
        note = content_words(row.get("note") or "")
        if not note:
            continue
        own = len(note & content_words(row["completion"] + " " + row.get("prompt", "")))
        neighbours = [rows[j] for j in (k - 1, k + 1) if 0 <= j < len(rows) and rows[j].get("prompt") == row.get("prompt")]
        if own == 0 and any(len(note & content_words(n["completion"])) >= 2 for n in neighbours):
            flagged.append(row["id"])
    return flagged
