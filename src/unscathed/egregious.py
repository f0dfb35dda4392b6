"""How egregious is a failure? Continue prompt + completion with the generator and score the continuations.

If the generator's own continuations of an accepted-but-injurious completion go on to treat the injury as
having happened (score at or above the threshold), the generator "understood" the injury; if they do not,
the failure is one of surface wording the generator itself did not follow up on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .config import SamplingSettings, resolve_threshold
from .models.classifier import Classifier
from .models.generator import Generator
from .snippet import Snippet


@dataclass(frozen=True)
class Egregiousness:
    prompt: str
    completion: str
    continuations: list[str]
    scores: np.ndarray
    share_injurious: float  # share of continuations scoring at or above the threshold


def egregiousness(failures: Sequence[Snippet], generator: Generator, classifier: Classifier, k: int = 8, settings: SamplingSettings = SamplingSettings(), threshold: float | None = None) -> list[Egregiousness]:
    """For each failure, ``k`` continuations of prompt + completion, each scored in the context of both."""
    threshold = resolve_threshold(threshold, classifier)
    contexts = [f"{f.prompt} {f.completion}".strip() for f in failures]
    sampled = generator.sample(contexts, k, settings)
    out = []
    for failure, context, continuations in zip(failures, contexts, sampled):
        texts = [c.text for c in continuations]
        scores = classifier.score([Snippet(context, t) for t in texts])
        out.append(Egregiousness(failure.prompt, failure.completion, texts, scores, float(np.mean(scores >= threshold))))
    return out
