"""Settings of ``unscathed finetune-generator``: every default in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import StrictConfig


@dataclass(frozen=True)
class FinetuneConfig(StrictConfig):
    steps: int = field(default=300, metadata={"help": "optimizer steps"})
    batch_size: int = field(default=8, metadata={"help": "token blocks per optimizer step"})
    block_size: int = field(default=128, metadata={"help": "tokens per training block"})
    learning_rate: float = field(default=5e-4, metadata={"help": "peak AdamW learning rate of the LoRA weights"})
    warmup_steps: int = field(default=20, metadata={"help": "linear warm-up steps, then cosine decay"})
    lora_rank: int = field(default=8, metadata={"help": "LoRA rank r"})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling alpha"})
    lora_dropout: float = field(default=0.05, metadata={"help": "dropout on the LoRA input"})
    target_modules: str = field(default="q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj", metadata={"help": "comma-separated module names that get LoRA weights"})
    checkpoint_every: int = field(default=50, metadata={"help": "steps between checkpoints"})
    seed: int = field(default=0, metadata={"help": "seed for the block order, LoRA initialisation and dropout"})

    def __post_init__(self) -> None:
        if min(self.steps, self.batch_size, self.lora_rank, self.checkpoint_every) < 1:
            raise ValueError("steps, batch_size, lora_rank and checkpoint_every must be >= 1")
        if self.block_size < 2:
            raise ValueError(f"block_size must be >= 2, got {self.block_size}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not 0 <= self.lora_dropout < 1:
            raise ValueError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
