"""Rejection-sampling fine-tuning: supervised fine-tuning on completions the filter accepted.

Each step draws ``group_size`` completions per prompt from the ORIGINAL generator, keeps the first one the
classifier accepts (the filtered policy q with a budget of ``group_size`` draws; prompts where none passes
contribute nothing, as the filter fails closed), and takes one step of token-level cross-entropy on them.
Minimising that loss minimises KL(q || pi), so the target is the filtered original itself: the baseline
that RL must beat. Samples come fresh from the original every step (an endless data set of filtered
samples), so a run costs about what an RL run of the same size costs.
The step's figures are about the current policy, from one extra sample per prompt.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from ..models.classifier import Classifier
from ..models.generator import HFGenerator
from .config import DistillConfig
from .objective import optimizer_step, policy_figures, rewards, score_rollout, unsafe
from .rollout import Rollout, sample_rollout, sequence_kl


def first_accepted(p_injury: np.ndarray, texts: list[str], group_size: int, threshold: float) -> list[int]:
    """Row of the first accepted (p < threshold, non-empty) completion in each group, skipping groups with none."""
    ok = (unsafe(p_injury, threshold) == 0) & np.array([bool(t.strip()) for t in texts])
    rows = []
    for start in range(0, len(ok), group_size):
        hits = np.flatnonzero(ok[start : start + group_size])
        if len(hits):
            rows.append(start + int(hits[0]))
    return rows


def sft_step(policy: HFGenerator, reference: HFGenerator, classifier: Classifier, prompts: Sequence[str], config: DistillConfig, threshold: float, optimizer: torch.optim.Optimizer) -> dict[str, float]:
    """Filter the original's samples, measure the current policy, and make one supervised update."""
    drawn = sample_rollout(reference, prompts, config.group_size, config.max_new_tokens)
    p_original = score_rollout(classifier, drawn)
    accepted = first_accepted(p_original, drawn.texts, config.group_size, threshold)

    probe = sample_rollout(policy, prompts, 1, config.max_new_tokens)
    p_injury = score_rollout(classifier, probe)
    kl = sequence_kl(reference.model, probe, config.micro_batch_size).cpu()
    figures = {**policy_figures(p_injury, rewards(p_injury, probe.texts, config.reward, threshold), kl, probe, threshold), "filter_accept_rate": float(1 - unsafe(p_original, threshold).mean()), "n_accepted": len(accepted)}
    if not accepted:
        return {**figures, "loss": float("nan")}
    return {**figures, "loss": _supervised_update(policy, optimizer, drawn.select(accepted), config)}


def _supervised_update(policy: HFGenerator, optimizer: torch.optim.Optimizer, data: Rollout, config: DistillConfig) -> float:
    n_tokens = data.completion_mask.sum().clamp(min=1)

    def chunk_loss(logp: torch.Tensor, rows: slice) -> torch.Tensor:
        return -(logp * data.completion_mask[rows]).sum() / n_tokens

    return optimizer_step(policy.model, optimizer, data, config.micro_batch_size, config.max_grad_norm, chunk_loss)
