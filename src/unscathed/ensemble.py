"""Ensembles: k classifiers trained on different seeds or bootstrap subsets, scored together.

An ensemble is a classifier too (mean or max of its members' P(injury)), with its own calibrated threshold.
Its members' disagreement (the spread of their scores) is what active learning asks about first.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import TrainConfig
from .labeled_data import LabeledSnippet, data_hash
from .models.classifier import CalibratedByMetadata, ClassifierMetadata, HFClassifier, NotAClassifierError
from .snippet import Snippet

ENSEMBLE_FILE = "ensemble.json"


@dataclass
class EnsembleMetadata(ClassifierMetadata):
    """A classifier's metadata plus the member folders and how their scores are combined."""

    members: list[str] = field(default_factory=list)
    reduce: str = "mean"

    def save(self, directory: Path) -> None:
        (directory / ENSEMBLE_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> "EnsembleMetadata":
        return cls(**json.loads((directory / ENSEMBLE_FILE).read_text()))


def is_ensemble(directory: str | Path) -> bool:
    return (Path(directory) / ENSEMBLE_FILE).exists()


class EnsembleClassifier(CalibratedByMetadata):
    """Scores with every member and combines them by mean or max."""

    def __init__(self, members: Sequence[HFClassifier], metadata: EnsembleMetadata) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if metadata.reduce not in ("mean", "max"):
            raise ValueError(f"ensemble reduce must be mean or max, got {metadata.reduce!r}")
        self.members = list(members)
        self.metadata = metadata

    def member_scores(self, snippets: Sequence[Snippet]) -> np.ndarray:
        """Each member's P(injury): shape (members, snippets)."""
        return np.stack([m.score(snippets) for m in self.members])

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        return self.combine(self.member_scores(snippets))

    def combine(self, member_scores: np.ndarray) -> np.ndarray:
        """The ensemble's P(injury) from its members' scores, shape (members, snippets) -> (snippets,)."""
        return member_scores.max(axis=0) if self.metadata.reduce == "max" else member_scores.mean(axis=0)

    def disagreement(self, snippets: Sequence[Snippet]) -> np.ndarray:
        """Standard deviation of the members' scores per snippet (0 when they agree)."""
        return self.member_scores(snippets).std(axis=0)

    @classmethod
    def load(cls, directory: str | Path, threshold: float | None = None) -> "EnsembleClassifier":
        directory = Path(directory)
        if not is_ensemble(directory):
            raise NotAClassifierError(f"{directory} is not an ensemble (no {ENSEMBLE_FILE})")
        metadata = EnsembleMetadata.load(directory)
        if threshold is not None:
            metadata.threshold = threshold
        return cls([HFClassifier.load(directory / name) for name in metadata.members], metadata)

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, member in zip(self.metadata.members, self.members):
            member.save(directory / name)
        # Saving gives each member its weights hash; the ensemble's version is the hash of those.
        self.metadata.version = hashlib.sha256(" ".join(m.version for m in self.members).encode()).hexdigest()[:12]
        self.metadata.save(directory)


def member_data(train: list[LabeledSnippet], config: TrainConfig, index: int) -> list[LabeledSnippet]:
    """Member ``index``'s training rows: all of them (``seed``) or a bootstrap sample (``subset``)."""
    if config.ensemble_by == "seed":
        return train
    return random.Random(config.seed * 1000 + index).choices(train, k=len(train))


def train_ensemble(rows: list[LabeledSnippet], out_dir: str | Path, config: TrainConfig, progress: bool = True) -> EnsembleClassifier:
    """Train ``config.ensemble_size`` members, calibrate the combined score, and save the ensemble atomically."""
    from .fit import fit
    from .train import calibrated_on, evaluate, load_base, save_atomically, training_splits

    train, validation, test = training_splits(rows, config)
    validation_snippets = [Snippet(r.prompt, r.completion) for r in validation]
    members, validation_scores = [], []
    for index in range(config.ensemble_size):
        member_config = replace(config, seed=config.seed + index, ensemble_size=1)
        member = load_base(member_config)
        fit(member, member_data(train, config, index), member_config, progress)
        # Scored once: the same validation scores calibrate the member and, combined, the ensemble.
        validation_scores.append(member.score(validation_snippets))
        member.metadata.threshold, figures = calibrated_on(validation_scores[-1], validation, config.target_recall)
        member.metadata.validation_metrics = {"validation": figures}
        member.metadata.train_config = asdict(member_config)
        members.append(member)
    metadata = EnsembleMetadata(base_model=members[0].metadata.base_model, threshold=0.5, max_length=config.max_length, members=[f"member-{i}" for i in range(len(members))], reduce=config.ensemble_reduce)
    ensemble = EnsembleClassifier(members, metadata)
    metadata.threshold, figures = calibrated_on(ensemble.combine(np.stack(validation_scores)), validation, config.target_recall)
    metrics = {"validation": figures, **({"test": evaluate(ensemble, test, metadata.threshold)} if test else {})}
    metadata.validation_metrics = {**metrics, "n_train": len(train)}
    metadata.target_recall, metadata.training_data_sha256, metadata.train_config = config.target_recall, data_hash(rows), asdict(config)
    metadata.created_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    save_atomically(ensemble.save, out_dir)
    return ensemble
