"""Typed settings of attacks and adversarial rounds, shared by the CLI and the Python API."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import StrictConfig


@dataclass(frozen=True)
class AttackConfig(StrictConfig):
    max_edits: int = field(default=3, metadata={"help": "edits (words changed, inserted or deleted; sentences appended) per candidate"})
    max_queries: int = field(default=300, metadata={"help": "classifier queries per snippet before the attack gives up"})
    candidates: int = field(default=8, metadata={"help": "words proposed per position"})
    max_fluency_drop: float | None = field(default=1.5, metadata={"help": "mean token log-prob under the generator may fall at most this many nats below the original's (needs a generator; None = off)"})
    protected_words: tuple[str, ...] = field(default=(), metadata={"help": "words no edit may change or remove"})
    beam_width: int = field(default=2, metadata={"help": "candidates kept per step by beam and gradient search"})
    positions: int = field(default=4, metadata={"help": "most salient words expanded per step by beam search"})
    max_successes: int = field(default=1, metadata={"help": "distinct candidates below the threshold to collect per snippet"})
    seed: int = field(default=0, metadata={"help": "seed for character edits and distractor choice"})

    def __post_init__(self) -> None:
        if min(self.max_edits, self.max_queries, self.candidates, self.beam_width, self.positions, self.max_successes) < 1:
            raise ValueError("max_edits, max_queries, candidates, beam_width, positions and max_successes must be >= 1")
        if isinstance(self.protected_words, str):
            raise ValueError("protected_words must be a sequence of words, not one string")
        object.__setattr__(self, "protected_words", tuple(self.protected_words))
