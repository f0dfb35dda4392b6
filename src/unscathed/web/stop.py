"""OpenAI's ``stop`` sequences, applied before the classifier sees a completion."""

from __future__ import annotations

import hashlib
from typing import Sequence

from ..config import SamplingSettings
from ..models.generator import Generator
from ..snippet import Completion


class StopAtGenerator:
    """A generator whose completions end before the first stop sequence.

    The cut happens before scoring, so the classifier judges exactly the text the client receives.
    """

    def __init__(self, generator: Generator, stops: Sequence[str]) -> None:
        self.generator = generator
        self.stops = tuple(stops)
        # The store records this name with every row: a short digest of the stops keeps requests cut at stop
        # sequences distinguishable without copying the sequences into each row.
        self.name = f"{generator.name} stop#{hashlib.sha256(repr(self.stops).encode()).hexdigest()[:12]}"

    def sample(self, prompts: Sequence[str], n: int, settings: SamplingSettings) -> list[list[Completion]]:
        return [[self._cut(c) for c in row] for row in self.generator.sample(prompts, n, settings)]

    def _cut(self, completion: Completion) -> Completion:
        ends = [i for i in (completion.text.find(s) for s in self.stops) if i >= 0]
        if not ends:
            return completion
        # Token log-probs no longer line up with the cut text, so they are dropped rather than misattributed.
        return Completion(text=completion.text[: min(ends)].strip(), token_logprobs=None, finish_reason="stop")
