"""unscathed: a fiction generator that never describes someone getting hurt, and the evidence for it.

The core objects: a ``Generator`` samples completions, a ``Classifier`` returns P(injury) for
(prompt, completion) pairs, and a ``RejectionSampler`` is a generator and a classifier under a
``FilterPolicy``. Heavy imports (torch, transformers) happen on first use of a model class.
"""

from importlib import import_module
from typing import Any

from .config import FilterPolicy, SamplingSettings, TrainConfig
from .snippet import Completion, Snippet

_LAZY = {
    "HFGenerator": "models.generator",
    "OpenAICompletionsGenerator": "models.openai_generator",
    "HFClassifier": "models.classifier",
    "RejectionSampler": "filter",
    "FilterResult": "filter",
    "train_classifier": "train",
    "open_store": "store",
    "ingest": "ingest",
}

__all__ = ["Completion", "FilterPolicy", "SamplingSettings", "Snippet", "TrainConfig", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'unscathed' has no attribute {name!r}")
