"""The models behind the web app, loaded on first use so the server starts in seconds.

Tests pass ready-made tiny models; ``unscathed serve`` passes loaders for the default ones. One lock serialises
model calls: the request threads share one generator and one classifier.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from ..config import FilterPolicy, SamplingSettings
from ..filter import FilterResult, RejectionSampler
from ..models.classifier import Classifier
from ..models.generator import Generator
from ..snippet import Snippet


class ModelService:
    def __init__(self, load_generator: Callable[[], Generator], load_classifier: Callable[[], Classifier], settings: SamplingSettings = SamplingSettings()) -> None:
        self._load_generator = load_generator
        self._load_classifier = load_classifier
        self._generator: Generator | None = None
        self._classifier: Classifier | None = None
        self.settings = settings
        self.lock = threading.RLock()

    @classmethod
    def ready(cls, generator: Generator, classifier: Classifier) -> "ModelService":
        return cls(lambda: generator, lambda: classifier)

    @property
    def generator(self) -> Generator:
        with self.lock:
            if self._generator is None:
                self._generator = self._load_generator()
            return self._generator

    @property
    def classifier(self) -> Classifier:
        with self.lock:
            if self._classifier is None:
                self._classifier = self._load_classifier()
            return self._classifier

    def sample_filtered(self, prompt: str, n: int) -> FilterResult:
        """Draw ``n`` completions in one batch, score them, and mark the one the filter would return."""
        with self.lock:
            return RejectionSampler(self.generator, self.classifier, FilterPolicy(max_attempts=n, batch_size=n, first_batch_size=n), self.settings).run([prompt])[0]

    def sample_unfiltered(self, prompt: str) -> tuple[str, float]:
        """One completion y0 ~ p and its score."""
        with self.lock:
            [[completion]] = self.generator.sample([prompt], 1, self.settings)
            return completion.text, self.score(prompt, completion.text)

    def score(self, prompt: str, completion: str) -> float:
        with self.lock:
            return float(self.classifier.score([Snippet(prompt, completion)])[0])

    def saliency(self, prompt: str, completion: str) -> list[Any]:
        from ..attack.saliency import token_saliency

        with self.lock:
            return token_saliency(self.classifier, Snippet(prompt, completion))

    def substitutions(self, prompt: str, completion: str, start: int, end: int, k: int) -> list[Any]:
        from ..attack.saliency import rank_substitutions

        with self.lock:
            return rank_substitutions(self.classifier, Snippet(prompt, completion), start, end, k)
