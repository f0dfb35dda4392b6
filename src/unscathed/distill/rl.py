"""RL against the classifier: RLOO (Ahmadian et al. 2024, "Back to Basics: Revisiting REINFORCE Style
Optimization for Learning from Human Feedback in LLMs") with the classifier as the reward model.

For each prompt, k completions y_1..y_k ~ pi(.|x). Each gets the sequence-level reward
R_i = r(x, y_i) - beta * (log pi(y_i|x) - log p_ref(y_i|x)), the KL-penalised reward of the paper, where r
comes from the classifier and p_ref is the original generator. The baseline of y_i is the mean reward of
the other k-1 completions of the same prompt (leave-one-out), and the loss is REINFORCE's
-(R_i - baseline_i) * log pi(y_i|x), averaged over completions. One update per batch of fresh samples,
so no importance ratios or clipping are needed (the paper's setting); a completion is one sentence, so a
sequence-level reward loses nothing to a per-token critic.

Why not TRL's RLOOTrainer or GRPOTrainer: they cut completions by end-of-text or length only, not at our
first-sentence end (the unit the classifier and the filter judge), and the GPU benchmark machine has no
trl or datasets; this loop is about 40 lines on top of the shared rollout code.
"""

from __future__ import annotations

from typing import Sequence

import torch

from ..models.classifier import Classifier
from ..models.generator import HFGenerator
from .config import DistillConfig
from .objective import optimizer_step, policy_figures, rewards, score_rollout
from .rollout import sample_rollout, sequence_kl


def leave_one_out_advantages(returns: torch.Tensor, group_size: int) -> torch.Tensor:
    """R_i minus the mean of the other completions of its prompt; rows grouped by prompt, in order."""
    grouped = returns.view(-1, group_size)
    baseline = (grouped.sum(dim=1, keepdim=True) - grouped) / (group_size - 1)
    return (grouped - baseline).reshape(-1)


def rloo_step(policy: HFGenerator, reference: HFGenerator, classifier: Classifier, prompts: Sequence[str], config: DistillConfig, threshold: float, optimizer: torch.optim.Optimizer) -> dict[str, float]:
    """Sample, score, and make one RLOO update; return the step's figures (about the pre-update policy)."""
    rollout = sample_rollout(policy, prompts, config.group_size, config.max_new_tokens)
    p_injury = score_rollout(classifier, rollout)
    reward = rewards(p_injury, rollout.texts, config.reward, threshold)
    kl = sequence_kl(reference.model, rollout, config.micro_batch_size).cpu()
    advantages = leave_one_out_advantages(torch.as_tensor(reward, dtype=torch.float32) - config.kl_coef * kl, config.group_size)
    advantages = advantages.to(rollout.input_ids.device)
    n_rows = rollout.input_ids.shape[0]

    def chunk_loss(logp: torch.Tensor, rows: slice) -> torch.Tensor:
        sequence_logp = (logp * rollout.completion_mask[rows]).sum(-1)
        return -(advantages[rows] * sequence_logp).sum() / n_rows

    loss = optimizer_step(policy.model, optimizer, rollout, config.micro_batch_size, config.max_grad_norm, chunk_loss)
    return {**policy_figures(p_injury, reward, kl, rollout, threshold), "loss": loss}
