"""Perturbations: each proposes edits to one word of a completion (or, for distractors, to its end).

A transformation is called with the snippet as it stands and the character span of one word, and returns
the edits it proposes there; the search decides which words to try and which edits to keep.
"""

from __future__ import annotations

import random
import re
from typing import Protocol, Sequence

from ..snippet import Snippet
from .goal import Edit
from .proposers import Proposer

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def word_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the words of ``text`` (letters, with an inner apostrophe)."""
    return [m.span() for m in WORD.finditer(text)]


class Transformation(Protocol):
    def edits(self, snippet: Snippet, start: int, end: int) -> list[Edit]:
        """Edits proposed at the word ``snippet.completion[start:end]``."""
        ...


class WordSwap:
    """Replace the word with each of ``k`` words from a proposer (LM, masked LM or gradient)."""

    def __init__(self, proposer: Proposer, k: int = 8) -> None:
        self.proposer, self.k = proposer, k

    def edits(self, snippet: Snippet, start: int, end: int) -> list[Edit]:
        before = snippet.completion[start:end]
        return [Edit("swap", start, end, before, w) for w in self.proposer.propose(snippet, start, end, self.k)]


class WordInsert:
    """Insert one of ``k`` proposed words before the word (the proposer must accept an empty span)."""

    def __init__(self, proposer: Proposer, k: int = 8) -> None:
        self.proposer, self.k = proposer, k

    def edits(self, snippet: Snippet, start: int, end: int) -> list[Edit]:
        words = self.proposer.propose(snippet, start, start, self.k)
        # Proposers match the case of the (empty) span, so keep the sentence's first word capitalised.
        return [Edit("insert", start, start, "", (w[:1].upper() + w[1:] if start == 0 else w.lower()) + " ") for w in words]


class WordDelete:
    """Delete the word and the space after it (or before it, at the end of the text)."""

    def edits(self, snippet: Snippet, start: int, end: int) -> list[Edit]:
        text = snippet.completion
        if end < len(text) and text[end] == " ":
            end += 1
        elif start > 0 and text[start - 1] == " ":
            start -= 1
        return [Edit("delete", start, end, text[start:end], "")]


class CharEdits:
    """DeepWordBug's four character edits of one word: swap two adjacent letters, substitute a letter, delete
    a letter, insert a letter. Positions and letters are drawn from a generator seeded by the word and its
    place, so a run is reproducible. Words shorter than three letters are left alone (an edit would erase them).
    """

    def __init__(self, seed: int = 0, per_kind: int = 1) -> None:
        self.seed, self.per_kind = seed, per_kind

    def edits(self, snippet: Snippet, start: int, end: int) -> list[Edit]:
        word = snippet.completion[start:end]
        if len(word) < 3:
            return []
        rng = random.Random(f"{self.seed}:{start}:{word}")
        letters = "abcdefghijklmnopqrstuvwxyz"
        variants = []
        for _ in range(self.per_kind):
            i = rng.randrange(1, len(word) - 1)  # keep the first letter: readers lean on it
            variants.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # swap
            variants.append(word[:i] + rng.choice(letters.replace(word[i].lower(), "")) + word[i + 1 :])  # substitute
            variants.append(word[:i] + word[i + 1 :])  # delete
            variants.append(word[:i] + rng.choice(letters) + word[i:])  # insert
        return [Edit("char", start, end, word, v) for v in dict.fromkeys(variants) if v != word]


class AppendDistractor:
    """Append a distracting sentence to the completion (whatever word the search points at)."""

    def __init__(self, texts: Sequence[str]) -> None:
        if not texts:
            raise ValueError("AppendDistractor needs at least one distracting text")
        self.texts = [t.strip() for t in texts]

    def edits(self, snippet: Snippet, start: int, end: int) -> list[Edit]:
        n = len(snippet.completion)
        return [Edit("append", n, n, "", " " + t) for t in self.texts]


def shift_span(span: tuple[int, int], edit: Edit) -> tuple[int, int] | None:
    """Where ``span`` of the text before ``edit`` lies after it; None if the edit changed the span itself."""
    start, end = span
    delta = len(edit.after) - (edit.end - edit.start)
    if edit.start == edit.end:  # an insertion: before the span moves it, after leaves it, inside breaks it
        return (start + delta, end + delta) if edit.start <= start else span if edit.start >= end else None
    if end <= edit.start:
        return span
    return (start + delta, end + delta) if start >= edit.end else None
