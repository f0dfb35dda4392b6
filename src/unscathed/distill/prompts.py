"""Training prompts for distillation, with violence-prone prompts drawn more often and the weights recorded.

Prompts come from the ingest stage's JSONL (``unscathed ingest``) or the seed prompts. A prompt is
violence-prone when its own text holds a word of the keyword baseline's injury list: cheap, transparent,
and independent of the classifier being distilled. Drawing from the proposal r(x) = w(x) / sum(w) instead
of the uniform D(x) = 1/n spends more steps where injuries are likely; D(x)/r(x) is recorded per prompt so
that figures over the training prompts can be reweighted (docs/design.md, "Prompts drawn from a proposal").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..keyword_baseline import KeywordClassifier
from ..labeled_data import DataError, read_jsonl
from ..snippet import Snippet


@dataclass(frozen=True)
class TrainingPrompt:
    prompt_id: str
    prompt: str
    violence_prone: bool


def seed_prompts_path() -> Path:
    """data/seed/prompts.jsonl beside the seed snippets."""
    from ..default_classifier import seed_data_path

    return seed_data_path().parent / "prompts.jsonl"


def load_prompts(path: str | Path | None = None, split: str | None = "train") -> list[TrainingPrompt]:
    """Prompts from a JSONL file with a ``prompt`` field (ingest output or the seed prompts; default: the seed).

    ``split`` keeps only rows whose ``split`` field equals it; rows without the field are always kept.
    """
    path = Path(path) if path is not None else seed_prompts_path()
    if path.suffix != ".jsonl":
        raise DataError(f"{path}: training prompts must be a .jsonl file with a 'prompt' field (e.g. from `unscathed ingest`)")
    rows = []
    for number, row in read_jsonl(path, required=("prompt",)):
        if not isinstance(row["prompt"], str) or not row["prompt"].strip():
            raise DataError(f"{path}:{number}: 'prompt' must be a non-empty string")
        if split is None or row.get("split", split) == split:
            rows.append((str(row.get("prompt_id", f"{path.name}:{number}")), row["prompt"]))
    if not rows:
        raise DataError(f"{path}: no prompts" + (f" in split {split!r}" if split else ""))
    flags = KeywordClassifier().score([Snippet("", text) for _, text in rows]) > 0.5
    return [TrainingPrompt(pid, text, bool(flag)) for (pid, text), flag in zip(rows, flags)]


class PromptPool:
    """Draws batches of prompts from the proposal r(x) proportional to ``violent_weight`` or 1."""

    def __init__(self, prompts: Sequence[TrainingPrompt], violent_weight: float) -> None:
        if not prompts:
            raise ValueError("no training prompts")
        self.prompts = list(prompts)
        self.violent_weight = violent_weight
        weights = np.array([violent_weight if p.violence_prone else 1.0 for p in self.prompts])
        self.probabilities = weights / weights.sum()

    def batch(self, seed: int, step: int, size: int) -> list[TrainingPrompt]:
        """The prompts of one step: a function of (seed, step) only, so a resumed run draws the same ones."""
        rng = np.random.default_rng([seed, step])
        # Independent draws from r (with replacement), so r(x) is exactly each draw's probability.
        picked = rng.choice(len(self.prompts), size=size, replace=True, p=self.probabilities)
        return [self.prompts[i] for i in picked]

    def record(self) -> dict[str, Any]:
        """What distill.json keeps: the weighting, and r(x) and D(x)/r(x) for every prompt."""
        n = len(self.prompts)
        violent = np.array([p.violence_prone for p in self.prompts])
        return {
            "violence_prone_rule": "prompt text contains a word of the keyword baseline's injury list",
            "violent_weight": self.violent_weight,
            "n_prompts": n,
            "n_violence_prone": int(violent.sum()),
            "share_of_draws_violence_prone": float(self.probabilities[violent].sum()),
            "prompts": [
                {"prompt_id": p.prompt_id, "violence_prone": p.violence_prone, "proposal_probability": float(r), "importance_weight": float((1 / n) / r)}
                for p, r in zip(self.prompts, self.probabilities)
            ],
        }
