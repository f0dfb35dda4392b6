"""Early rejection: the probe reads the generator's own hidden states while it writes, and stops a candidate as
soon as a window of what it has written so far scores at or above the threshold.

This only ever rejects. A stopped candidate is never returned; every candidate that runs to its end is still
scored by the full classifier on the whole completion, which alone decides acceptance. So early rejection
cannot let through a completion the classifier would reject; it can only cost a redraw that a full reading
might not have needed (a prefix can look worse than the whole).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch
from transformers import StoppingCriteria

from .probe import ProbeClassifier, sigmoid


def shares_network(probe: ProbeClassifier, generator_model) -> bool:
    """True when the probe's backbone is exactly the generator's network (same configuration and weights)."""
    backbone = probe.backbone
    if backbone is generator_model:
        return True
    if backbone.config.to_dict() != generator_model.config.to_dict():
        return False
    ours, theirs = dict(backbone.named_parameters()), dict(generator_model.named_parameters())
    return ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)


class PrefixRejector(StoppingCriteria):
    """A stopping criterion for ``generate`` that probes each row's completion every ``every`` tokens.

    Use it inside ``with rejector.reading(model):`` so forward hooks collect, at each decoding step, the hidden
    state of the token just fed in at the probe's layers. ``rejected`` maps a row to the score that stopped it.
    """

    def __init__(self, probe: ProbeClassifier, threshold: float, every: int, pad_token_id: int) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1 token, got {every}")
        self.probe, self.threshold, self.every, self.pad_token_id = probe, threshold, every, pad_token_id
        self.finished: set[int] = set()  # rows that ended on their own (generate pads them from then on)
        self.layers = probe.settings.layers
        self.steps: list[torch.Tensor] = []  # per decoding step: (rows, layers, hidden) of the token fed in
        self.rejected: dict[int, float] = {}
        self._current: dict[int, torch.Tensor] = {}

    @contextmanager
    def reading(self, model) -> Iterator["PrefixRejector"]:
        blocks = model.get_decoder().layers

        def capture(k: int):
            def hook(module, args, output):
                hidden = output[0] if isinstance(output, tuple) else output
                if hidden.shape[1] == 1:  # a decoding step (the prompt's prefill is not the completion)
                    self._current[k] = hidden[:, 0, :].detach().float()
                    if len(self._current) == len(self.layers):
                        self.steps.append(torch.stack([self._current[j] for j in self.layers], dim=1))
                        self._current = {}

            return hook

        handles = [blocks[k - 1].register_forward_hook(capture(k)) for k in sorted(set(self.layers))]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        rows = input_ids.shape[0]
        done = torch.zeros(rows, dtype=torch.bool, device=input_ids.device)
        for row in self.rejected:
            done[row] = True
        self.finished |= {int(r) for r in torch.nonzero(input_ids[:, -1] == self.pad_token_id).flatten()} - set(self.rejected)
        written = len(self.steps)  # completion tokens whose states are known (the newest is fed next step)
        if written and written % self.every == 0:
            window = torch.stack(self.steps[-self.probe.settings.window :], dim=2)  # (rows, layers, tokens, hidden)
            features = torch.cat([window.mean(dim=2), window.amax(dim=2)], dim=-1).flatten(1).cpu().numpy()
            probabilities = sigmoid(self.probe.head.logits(features))
            for row in np.flatnonzero(probabilities >= self.threshold):
                if int(row) not in self.rejected and int(row) not in self.finished:
                    self.rejected[int(row)] = float(probabilities[row])
                    done[int(row)] = True
        return done
