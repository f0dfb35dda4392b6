"""What both distillation methods share: the classifier as a reward, the step figures, one optimizer step."""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch

from ..models.classifier import Classifier
from ..snippet import Snippet
from .rollout import Rollout, token_logprobs


def score_rollout(classifier: Classifier, rollout: Rollout) -> np.ndarray:
    """P(injury) of every completion in the rollout, in one classifier call."""
    snippets = [Snippet(x, y) for x, y in zip(rollout.row_prompts(), rollout.texts)]
    p = np.asarray(classifier.score(snippets), dtype=float)
    if p.shape != (len(snippets),):
        raise RuntimeError(f"classifier returned {p.shape} scores for {len(snippets)} completions")
    return p


def rewards(p_injury: np.ndarray, texts: list[str], kind: str, threshold: float) -> np.ndarray:
    """The classifier as a reward: ``-p`` (neg_p_injury) or ``-1[p >= threshold]`` (threshold_penalty).

    An unscorable (NaN) or empty completion gets the worst reward, -1: saying nothing is not a safe
    continuation, and the policy must not learn it as a way out.
    """
    p = np.asarray(p_injury, float)
    reward = -p if kind == "neg_p_injury" else -(p >= threshold).astype(float)
    worst = np.isnan(p) | np.array([not t.strip() for t in texts])
    reward[worst] = -1.0
    return reward


def unsafe(p_injury: np.ndarray, threshold: float) -> np.ndarray:
    """1 where the classifier would reject the completion (NaN counts as rejected, as in the filter)."""
    p = np.asarray(p_injury, float)
    return (np.isnan(p) | (p >= threshold)).astype(float)


def policy_figures(p_injury: np.ndarray, reward: np.ndarray, kl: torch.Tensor, rollout: Rollout, threshold: float) -> dict[str, float]:
    """Figures of one step about samples from the current policy."""
    return {
        "reward": float(np.mean(reward)),
        "p_injury": float(np.nanmean(p_injury)) if not np.all(np.isnan(p_injury)) else float("nan"),
        "unsafe_rate": float(unsafe(p_injury, threshold).mean()),
        "kl": float(kl.mean()),
        "completion_tokens": float(rollout.completion_mask.sum(-1).float().mean()),
        "empty_share": float(np.mean([not t.strip() for t in rollout.texts])),
    }


def optimizer_step(policy, optimizer: torch.optim.Optimizer, rollout: Rollout, micro_batch_size: int, max_grad_norm: float, chunk_loss: Callable[[torch.Tensor, slice], torch.Tensor]) -> float:
    """One update from a loss that sums over rows, computed in micro-batches to bound memory.

    ``chunk_loss(token_logprobs, rows)`` returns the loss of those rows, already divided by the batch's
    normaliser, so that the gradients accumulated over chunks are those of the whole batch.
    """
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for start in range(0, rollout.input_ids.shape[0], micro_batch_size):
        rows = slice(start, start + micro_batch_size)
        loss = chunk_loss(token_logprobs(policy, rollout, rows), rows)
        loss.backward()
        total += float(loss.detach())
    torch.nn.utils.clip_grad_norm_(policy.parameters(), max_grad_norm)
    optimizer.step()
    return total
