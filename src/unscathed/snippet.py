"""The unit of data: a prompt, a completion, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Completion:
    """One sampled continuation, with the generator's token log-probs where the backend has them."""

    text: str
    token_logprobs: tuple[float, ...] | None = None
    finish_reason: str = "stop"

    @property
    def logprob(self) -> float | None:
        return None if self.token_logprobs is None else float(sum(self.token_logprobs))


@dataclass(frozen=True)
class Snippet:
    """A (prompt, completion) pair with provenance: which generator and settings, how it was selected."""

    prompt: str
    completion: str
    provenance: dict[str, Any] = field(default_factory=dict)
