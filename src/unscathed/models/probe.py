"""The probe classifier: a small head (an MLP, or logistic regression) on the generator's own hidden states.

The probe reads text the way the generator does, and its backbone is the generator's network, so no second
model needs to be downloaded or trained on first use. A probe directory holds ``probe.safetensors`` (feature
mean and scale, the head's weights) and ``unscathed.json``; the backbone is the generator it was trained on.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ..snippet import Snippet
from .classifier import METADATA_FILE, CalibratedByMetadata, ClassifierMetadata, NotAClassifierError, weights_version
from .probe_features import FeatureSettings, window_features

PROBE_FILE = "probe.safetensors"
DEFAULT_BACKBONE = "default-generator"  # the default generator (SmolLM2 + fiction adapter), found at load


class ProbeHead:
    """Standardise, then a small MLP: P(injury) = sigmoid(w2 · gelu(W1 (x - mean) / scale + b1) + b2).

    With no hidden layer (``hidden_weight`` None) it is logistic regression on the standardised features.
    """

    def __init__(self, mean: np.ndarray, scale: np.ndarray, weight: np.ndarray, bias: float, hidden_weight: np.ndarray | None = None, hidden_bias: np.ndarray | None = None) -> None:
        self.mean, self.scale, self.weight = (np.asarray(a, np.float32) for a in (mean, scale, weight))
        self.bias = float(bias)
        self.hidden_weight = None if hidden_weight is None else np.asarray(hidden_weight, np.float32)
        self.hidden_bias = None if hidden_bias is None else np.asarray(hidden_bias, np.float32)

    def logits(self, features: np.ndarray) -> np.ndarray:
        z = torch.from_numpy(((np.asarray(features, np.float32) - self.mean) / self.scale).astype(np.float32))
        if self.hidden_weight is not None:
            z = torch.nn.functional.gelu(z @ torch.from_numpy(self.hidden_weight) + torch.from_numpy(self.hidden_bias))
        return (z @ torch.from_numpy(self.weight) + self.bias).double().numpy()

    def tensors(self) -> dict[str, torch.Tensor]:
        out = {"mean": torch.tensor(self.mean), "scale": torch.tensor(self.scale), "weight": torch.tensor(self.weight), "bias": torch.tensor([self.bias])}
        if self.hidden_weight is not None:
            out.update(hidden_weight=torch.tensor(self.hidden_weight), hidden_bias=torch.tensor(self.hidden_bias))
        return out

    @classmethod
    def from_tensors(cls, t: dict[str, torch.Tensor]) -> "ProbeHead":
        hidden = (t["hidden_weight"].numpy(), t["hidden_bias"].numpy()) if "hidden_weight" in t else (None, None)
        return cls(t["mean"].numpy(), t["scale"].numpy(), t["weight"].numpy(), float(t["bias"][0]), *hidden)


def load_backbone(spec: str):
    """(model, tokenizer) of the probe's backbone: the default generator, or a causal-LM directory."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ..config import default_device

    if spec == DEFAULT_BACKBONE:
        from .defaults import default_generator_dir

        path = default_generator_dir()
    else:
        path = Path(spec)
    if not (Path(path) / "config.json").exists():
        raise NotAClassifierError(f"probe backbone {path} is not a Hugging Face model directory")
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).to(default_device()).eval()
    tokenizer = AutoTokenizer.from_pretrained(path)
    return model, tokenizer


class ProbeClassifier(CalibratedByMetadata):
    """Scores each completion window of a snippet with the probe head and returns the most injurious."""

    def __init__(self, backbone, tokenizer, head: ProbeHead, settings: FeatureSettings, metadata: ClassifierMetadata) -> None:
        self.backbone, self.tokenizer, self.head, self.settings, self.metadata = backbone, tokenizer, head, settings, metadata

    @classmethod
    def load(cls, directory: str | Path, threshold: float | None = None) -> "ProbeClassifier":
        directory = Path(directory)
        if not (directory / PROBE_FILE).exists() or not (directory / METADATA_FILE).exists():
            raise NotAClassifierError(f"{directory} is not a probe classifier (needs {PROBE_FILE} and {METADATA_FILE})")
        metadata = ClassifierMetadata.load(directory)
        if threshold is not None:
            metadata.threshold = threshold
        settings = FeatureSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in metadata.train_config["features"].items()})
        backbone, tokenizer = load_backbone(metadata.base_model)
        return cls(backbone, tokenizer, ProbeHead.from_tensors(load_file(str(directory / PROBE_FILE))), settings, metadata)

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        """P(injury) of each snippet: the maximum over its completion windows."""
        if not snippets:
            return np.zeros(0)
        features, owners = window_features(self.backbone, self.tokenizer, snippets, self.settings)
        return max_by_owner(sigmoid(self.head.logits(features)), owners, len(snippets))

    def backbone_generator(self):
        """The backbone as a generator (same weights in memory), e.g. to propose words where it would write them."""
        from .generator import HFGenerator

        return HFGenerator(self.backbone, self.tokenizer, name=self.metadata.base_model)

    def save(self, directory: str | Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_file(self.head.tensors(), str(directory / PROBE_FILE))
        self.metadata.train_config = {**self.metadata.train_config, "features": asdict(self.settings)}
        self.metadata.version = weights_version(directory)
        self.metadata.save(directory)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60, 60)))


def max_by_owner(values: np.ndarray, owners: np.ndarray, n: int) -> np.ndarray:
    """Per snippet, the largest value among its windows; every snippet must have at least one."""
    out = np.full(n, -np.inf)
    np.maximum.at(out, owners, values)
    if np.isinf(out).any():
        raise RuntimeError("a snippet has no scored window")  # fail closed rather than return an unscored one
    return out


def is_probe(directory: str | Path) -> bool:
    return (Path(directory) / PROBE_FILE).exists()


