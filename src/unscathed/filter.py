"""Rejection sampling: draw completions until one scores below the threshold, or fail closed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from .config import FilterPolicy, SamplingSettings
from .models.classifier import Classifier
from .models.generator import Generator
from .snippet import Completion, Snippet


class FilterError(RuntimeError):
    """The classifier did not give one usable score per completion; nothing is returned."""


@dataclass(frozen=True)
class Candidate:
    """A drawn completion with its score and the threshold that was in force when it was judged."""

    completion: Completion
    p_injury: float
    threshold: float
    accepted: bool


@dataclass
class FilterResult:
    """All candidates drawn for one prompt and the one returned, if any (``None`` means fail closed)."""

    prompt: str
    candidates: list[Candidate] = field(default_factory=list)
    accepted: Candidate | None = None

    @property
    def completion(self) -> str | None:
        return None if self.accepted is None else self.accepted.completion.text

    @property
    def outcome(self) -> str:
        return "accepted" if self.accepted is not None else "exhausted"

    @property
    def rejections(self) -> int:
        return sum(1 for c in self.candidates if not c.accepted and c.p_injury >= c.threshold)


class RejectionSampler:
    """A generator and a classifier under a threshold policy.

    Each round draws completions for every prompt still open (``first_batch_size`` in the first round,
    doubling each round up to ``batch_size``: an ordinary prompt whose first draw passes costs one draw, a
    violence-prone one soon gets parallel draws), scores them all in one classifier call, and accepts the
    first (in draw order) that scores strictly below the threshold in force, so the result has the
    distribution of sequential rejection sampling. After ``max_attempts`` draws with no acceptance, the
    prompt gets no completion.
    """

    def __init__(self, generator: Generator, classifier: Classifier, policy: FilterPolicy = FilterPolicy(), settings: SamplingSettings = SamplingSettings()) -> None:
        self.generator = generator
        self.classifier = classifier
        self.policy = policy
        self.settings = settings
        if policy.early_rejection_every and not self._probe_reads_generator():
            raise ValueError("early rejection needs the probe classifier reading this generator's own network (the default models); turn it off for other pairs")

    @property
    def threshold(self) -> float:
        return self.policy.threshold_for(self.classifier)

    def run(self, prompts: Sequence[str]) -> list[FilterResult]:
        results = [FilterResult(prompt=p) for p in prompts]
        open_ids = list(range(len(prompts)))
        round_index = 0
        while open_ids:
            draws = {i: min(self.policy.draws_in_round(round_index), self.policy.max_attempts - len(results[i].candidates)) for i in open_ids}
            batch: list[tuple[int, Completion, float | None]] = []  # (prompt, completion, score that stopped it early)
            # One generator call per distinct draw count, so no prompt is sampled more often than it needs.
            for n in sorted(set(draws.values())):
                group = [i for i in open_ids if draws[i] == n]
                sampled, stopped = self._sample([prompts[i] for i in group], n)
                batch.extend((i, c, stopped.get(g * n + k)) for g, (i, completions) in enumerate(zip(group, sampled)) for k, c in enumerate(completions[:n]))
            batch.sort(key=lambda entry: entry[0])  # stable: each prompt's draws stay in draw order
            # Candidates stopped early are rejected on their prefix; every other one is read whole by the classifier.
            whole = [k for k, (_, _, early) in enumerate(batch) if early is None]
            scores = np.full(len(batch), np.nan)
            scores[whole] = self._score([Snippet(prompts[batch[k][0]], batch[k][1].text) for k in whole])
            for (i, completion, early), p in zip(batch, scores):
                if early is None:
                    self._judge(results[i], completion, p)
                else:
                    self._judge(results[i], replace(completion, finish_reason="prefix_rejected"), early)
            open_ids = [i for i in open_ids if results[i].accepted is None and len(results[i].candidates) < self.policy.max_attempts]
            round_index += 1
        return results

    def _sample(self, prompts: list[str], n: int) -> tuple[list[list[Completion]], dict[int, float]]:
        """The generator's draws, and {row: prefix score} for rows stopped early (row = prompt index * n + k)."""
        if not self.policy.early_rejection_every:
            return self.generator.sample(prompts, n, self.settings), {}
        from .models.prefix_probe import PrefixRejector

        rejector = PrefixRejector(self.classifier, self.threshold, self.policy.early_rejection_every, self.generator.tokenizer.pad_token_id)
        with rejector.reading(self.generator.model):
            sampled = self.generator.sample(prompts, n, self.settings, stopping=[rejector])
        return sampled, rejector.rejected

    def _probe_reads_generator(self) -> bool:
        from .models.prefix_probe import shares_network
        from .models.probe import ProbeClassifier

        return isinstance(self.classifier, ProbeClassifier) and hasattr(self.generator, "model") and shares_network(self.classifier, self.generator.model)

    def _score(self, snippets: list[Snippet]) -> np.ndarray:
        scores = np.asarray(self.classifier.score(snippets), dtype=float)
        if scores.shape != (len(snippets),):
            raise FilterError(f"classifier returned {scores.shape} scores for {len(snippets)} completions")
        return scores

    def _judge(self, result: FilterResult, completion: Completion, p_injury: float) -> None:
        threshold = self.policy.threshold_after(self.threshold, result.rejections)
        # NaN never passes: an unscorable completion counts as rejected.
        accept = result.accepted is None and not math.isnan(p_injury) and p_injury < threshold
        candidate = Candidate(completion=completion, p_injury=float(p_injury), threshold=threshold, accepted=bool(accept))
        result.candidates.append(candidate)
        if accept:
            result.accepted = candidate
