"""Constraints: which edits an attack may make. Each checks a batch of proposed edits to one candidate.

- ``MaxEdits``: at most n edits from the original;
- ``ProtectedWords``: never touch (or split, or insert inside) a protected word;
- ``FluencyBound``: the completion's mean token log-probability under the generator, given the prompt, may not
  fall more than ``max_drop`` nats below the original's (TextFooler and BAE bound meaning with sentence
  encoders; a generator's log-probability bounds fluency, which is what a generated completion must keep).
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence

import torch

from ..snippet import Snippet
from .goal import Candidate, Edit


class Constraint(Protocol):
    def allows(self, original: Snippet, current: Candidate, edits: Sequence[Edit]) -> list[bool]:
        """For each edit of ``current``, whether the edited candidate is allowed."""
        ...


class MaxEdits:
    """At most ``n`` edits between the original completion and any candidate."""

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"max edits must be >= 1, got {n}")
        self.n = n

    def allows(self, original: Snippet, current: Candidate, edits: Sequence[Edit]) -> list[bool]:
        return [len(current.edits) + 1 <= self.n] * len(edits)


class ProtectedWords:
    """Words (whole, case-insensitive) that no edit may change, remove or split."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = [w.strip() for w in words if w.strip()]
        self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, self.words)) + r")\b", re.IGNORECASE) if self.words else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self.pattern.finditer(text)] if self.pattern else []

    def allows(self, original: Snippet, current: Candidate, edits: Sequence[Edit]) -> list[bool]:
        protected = self.spans(current.completion)
        count = len(protected)
        allowed = []
        for edit in edits:
            # An insertion strictly inside a protected word splits it; any other edit may not overlap one.
            hits = any(s < edit.end and edit.start < e if edit.start != edit.end else s < edit.start < e for s, e in protected)
            allowed.append(not hits and len(self.spans(edit.apply(current.completion))) == count)
        return allowed


def completion_logprobs(generator, prompt: str, completions: Sequence[str], max_prompt_tokens: int = 48, batch: int = 8) -> list[float]:
    """Mean log-probability per token of each completion given ``prompt`` under an ``HFGenerator``.

    Only the prompt's last ``max_prompt_tokens`` are read: fluency is local, and the bound is checked for
    every proposed edit, so its cost matters.
    """
    tokenizer, model = generator.tokenizer, generator.model
    # An empty prompt still needs one token to predict the first completion token from.
    prompt_ids = tokenizer(prompt)["input_ids"][-max_prompt_tokens:] or [tokenizer.bos_token_id or tokenizer.eos_token_id]
    rows = [tokenizer(" " + c.strip(), add_special_tokens=False)["input_ids"] for c in completions]
    out: list[float] = []
    for i in range(0, len(rows), batch):  # small batches: the logits cover the whole vocabulary
        out += _mean_logprobs(model, tokenizer.pad_token_id or 0, prompt_ids, rows[i : i + batch])
    return out


@torch.inference_mode()
def _mean_logprobs(model, pad: int, prompt_ids: list[int], rows: list[list[int]]) -> list[float]:
    width = len(prompt_ids) + max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(rows):  # padded on the right, so positions need no adjusting
        ids[i, : len(prompt_ids) + len(row)] = torch.tensor(prompt_ids + row)
        mask[i, : len(prompt_ids) + len(row)] = 1
    hidden = model.base_model(input_ids=ids.to(model.device), attention_mask=mask.to(model.device)).last_hidden_state
    head = model.get_output_embeddings()
    out = []
    for i, row in enumerate(rows):
        # Project only the completion positions onto the vocabulary: the full logits would be the cost.
        positions = torch.arange(len(prompt_ids) - 1, len(prompt_ids) + len(row) - 1, device=hidden.device)
        logp = torch.log_softmax(head(hidden[i, positions]).float(), dim=-1)
        out.append(float(logp[torch.arange(len(row)), torch.tensor(row, device=logp.device)].mean()) if row else float("-inf"))
    return out


class FluencyBound:
    """Mean token log-prob under the generator may drop at most ``max_drop`` nats below the original's."""

    def __init__(self, generator, max_drop: float) -> None:
        if max_drop < 0:
            raise ValueError(f"max_drop must be >= 0, got {max_drop}")
        self.generator, self.max_drop = generator, max_drop
        self._baseline: dict[tuple[str, str], float] = {}

    def baseline(self, original: Snippet) -> float:
        key = (original.prompt, original.completion)
        if key not in self._baseline:
            self._baseline[key] = completion_logprobs(self.generator, original.prompt, [original.completion])[0]
        return self._baseline[key]

    def allows(self, original: Snippet, current: Candidate, edits: Sequence[Edit]) -> list[bool]:
        if not edits:
            return []
        floor = self.baseline(original) - self.max_drop
        texts = [e.apply(current.completion) for e in edits]
        return [lp >= floor for lp in completion_logprobs(self.generator, original.prompt, texts)]
