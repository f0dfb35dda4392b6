"""Planted scorers for the distillation tests: rewards the tiny random model can measurably learn."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from unscathed.snippet import Snippet

PENALISED = "aeiou"


class VowelShareScorer:
    """P(injury) is the share of the completion's characters that are vowels: a dense, planted reward."""

    version = "planted-vowel-share"
    threshold = 0.5

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        return np.array([sum(c in PENALISED for c in s.completion) / max(1, len(s.completion)) for s in snippets])


class AnyVowelScorer:
    """P(injury) is 1 when the completion holds a vowel, else 0: the filter keeps vowel-free completions."""

    version = "planted-any-vowel"
    threshold = 0.5

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        return np.array([float(any(c in PENALISED for c in s.completion)) for s in snippets])


def vowel_share(texts: Sequence[str]) -> float:
    """Share of vowels over all characters of the texts."""
    chars = "".join(texts)
    return sum(c in PENALISED for c in chars) / max(1, len(chars))


def training_prompts() -> list:
    """Eight short prompts, two of them violence-prone by the keyword rule."""
    from unscathed.distill import TrainingPrompt

    words = "sky blue hit cut door sword happy sad".split()
    return [TrainingPrompt(f"p{i}", f"the knight saw the {w}.", w in ("hit", "cut")) for i, w in enumerate(words)]

