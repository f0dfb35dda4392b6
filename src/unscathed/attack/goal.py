"""The objective of an attack: drive P(injury) below the threshold for a snippet that is injurious.

The goal is also the attack's only door to the classifier, so it counts every query, keeps the clock, stops at
the query budget, and records every completion it saw fall below the threshold (a *candidate* failure: a
person must still verify that the edited snippet is injurious).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..models.classifier import Classifier
from ..snippet import Snippet


@dataclass(frozen=True)
class Edit:
    """One change to a completion: ``text[start:end]`` (which was ``before``) becomes ``after``."""

    kind: str  # swap, insert, delete, char, append
    start: int
    end: int
    before: str
    after: str

    def apply(self, text: str) -> str:
        if text[self.start : self.end] != self.before:
            raise ValueError(f"edit {self} does not match the text {text!r}")
        return text[: self.start] + self.after + text[self.end :]


@dataclass(frozen=True)
class Candidate:
    """A perturbed completion, the edits that made it from the original, and its score."""

    completion: str
    edits: tuple[Edit, ...]
    p_injury: float


@dataclass(frozen=True)
class Found:
    """A candidate below the threshold, with the queries and seconds spent when it was found."""

    candidate: Candidate
    queries: int
    seconds: float


@dataclass
class InjuryGoal:
    """Score completions of one snippet's prompt; success is ``p_injury < threshold``.

    ``max_queries`` caps classifier queries (one per completion scored); once spent, ``score`` scores nothing
    more and ``done`` is true. ``max_successes`` is how many distinct candidates below the threshold to
    collect before the attack may stop (more than one gives people several to verify).
    """

    classifier: Classifier
    snippet: Snippet
    threshold: float | None = None
    max_queries: int = 500
    max_successes: int = 1
    queries: int = 0
    found: list[Found] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        if self.threshold is None:
            self.threshold = self.classifier.threshold
        if self.max_queries < 1 or self.max_successes < 1:
            raise ValueError("max_queries and max_successes must be >= 1")

    @property
    def done(self) -> bool:
        return self.queries >= self.max_queries or len(self.found) >= self.max_successes

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def succeeded(self, p_injury: float) -> bool:
        return p_injury < self.threshold

    def score(self, completions: Sequence[str], edits: Sequence[tuple[Edit, ...]], record: bool = True) -> list[Candidate]:
        """Score as many of ``completions`` as the budget allows (in order); each comes with its edits.

        ``record=False`` scores without collecting successes: for probes (word importance by deletion) that
        no constraint has checked.
        """
        room = max(0, self.max_queries - self.queries)
        completions, edits = list(completions)[:room], list(edits)[:room]
        if not completions:
            return []
        scores = np.asarray(self.classifier.score([Snippet(self.snippet.prompt, c) for c in completions]), float)
        self.queries += len(completions)
        seen = {f.candidate.completion for f in self.found}
        candidates = [Candidate(c, e, float(p)) for c, e, p in zip(completions, edits, scores)]
        for candidate in candidates:
            if record and self.succeeded(candidate.p_injury) and candidate.completion not in seen and len(self.found) < self.max_successes:
                seen.add(candidate.completion)
                self.found.append(Found(candidate, self.queries, self.seconds))
        return candidates
