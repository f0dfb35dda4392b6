"""Settings of ``unscathed distill``: every default in one place, shared by the CLI and the Python API."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import StrictConfig

METHODS = ("rl", "sft")
REWARDS = ("neg_p_injury", "threshold_penalty")


@dataclass(frozen=True)
class DistillConfig(StrictConfig):
    method: str = field(default="rl", metadata={"help": "rl: RLOO against the classifier with a KL penalty; sft: fine-tune on completions the filter accepted"})
    steps: int = field(default=100, metadata={"help": "optimizer steps"})
    prompts_per_step: int = field(default=8, metadata={"help": "prompts drawn (with the violence-prone weighting) for each step"})
    group_size: int = field(default=4, metadata={"help": "completions per prompt: RLOO's leave-one-out group; for sft, the filter's draws from the original"})
    learning_rate: float = field(default=2e-5, metadata={"help": "AdamW learning rate (constant)"})
    kl_coef: float = field(default=0.05, metadata={"help": "beta: weight of the KL penalty to the original generator in the RL reward"})
    reward: str = field(default="threshold_penalty", metadata={"help": "neg_p_injury: reward -P(injury); threshold_penalty: reward -1 when P(injury) >= threshold, else 0"})
    threshold: float | None = field(default=None, metadata={"help": "threshold for the penalty, the unsafe rate and the sft filter; None uses the classifier's calibrated one"})
    max_new_tokens: int = field(default=40, metadata={"help": "token budget for one completion (one sentence)"})
    violent_weight: float = field(default=3.0, metadata={"help": "sampling weight of violence-prone prompts relative to the others (recorded as importance weights)"})
    trainable_layers: int | None = field(default=None, metadata={"help": "train only the top N transformer blocks and the final norm (a cheaper backward pass on CPU); None trains every weight"})
    micro_batch_size: int = field(default=16, metadata={"help": "sequences per forward/backward pass (memory only: the update is the same)"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "gradient clipping norm"})
    seed: int = field(default=0, metadata={"help": "seed of the prompt draws and the sampling; each step reseeds from (seed, step), so a resumed run matches an unbroken one"})
    checkpoint_every: int = field(default=25, metadata={"help": "save a checkpoint every N steps (and at the end); --resume continues from the last one"})

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.reward not in REWARDS:
            raise ValueError(f"reward must be one of {', '.join(REWARDS)}, got {self.reward!r}")
        for name in ("steps", "prompts_per_step", "max_new_tokens", "micro_batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.group_size < 2:
            # RLOO's baseline is the mean reward of the other completions of the same prompt.
            raise ValueError(f"group_size must be >= 2, got {self.group_size}")
        if self.trainable_layers is not None and self.trainable_layers < 1:
            raise ValueError(f"trainable_layers must be >= 1 or None, got {self.trainable_layers}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.kl_coef < 0:
            raise ValueError(f"kl_coef must be >= 0, got {self.kl_coef}")
        if self.threshold is not None and not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not self.violent_weight > 0:
            raise ValueError(f"violent_weight must be > 0, got {self.violent_weight}")
        if not self.max_grad_norm > 0:
            raise ValueError(f"max_grad_norm must be > 0, got {self.max_grad_norm}")
