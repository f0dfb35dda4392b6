"""Step 2: distill the filter into the generator, by RL against the classifier or by fine-tuning on
filtered samples. ``distill`` runs a method; ``unscathed distill`` is its command."""

from .config import DistillConfig
from .prompts import PromptPool, TrainingPrompt, load_prompts

__all__ = ["DistillConfig", "PromptPool", "TrainingPrompt", "distill", "load_prompts"]


def __getattr__(name: str):
    if name == "distill":  # imports torch and transformers: only on use
        from .trainer import distill

        return distill
    raise AttributeError(f"module 'unscathed.distill' has no attribute {name!r}")
