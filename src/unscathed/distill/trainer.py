"""The distillation loop: prompts, steps, checkpoints and resume, the report, the output model directory.

The output directory is a Hugging Face causal-LM directory (``HFGenerator.from_pretrained(out)``,
``unscathed generate --generator OUT``) with, beside the weights:
``distill.json`` (config, generator and classifier versions, prompt weights, figures), ``report.jsonl``
and ``report.png`` (per step), and ``checkpoints/step-N`` (the latest only: weights, optimizer, state).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from ..config import resolve_threshold
from ..models.classifier import Classifier, weights_version
from ..models.generator import HFGenerator
from .config import DistillConfig
from .prompts import PromptPool, TrainingPrompt, load_prompts
from .report import append_step, plot, read_steps, summarize, truncate_steps
from .rl import rloo_step
from .rollout import TRAINING_SAMPLING
from .sft import sft_step

log = logging.getLogger(__name__)

METADATA_FILE = "distill.json"
CHECKPOINTS = "checkpoints"
# Settings a resumed run may change: they do not alter what the finished steps computed.
RESUMABLE_CHANGES = ("steps", "checkpoint_every", "micro_batch_size")


def distill(generator_dir: str | Path, classifier: Classifier, config: DistillConfig, out: str | Path, prompts: list[TrainingPrompt] | None = None, resume: bool = False, progress: bool = True) -> dict[str, Any]:
    """Train a copy of the generator in ``generator_dir`` against ``classifier``; return distill.json's content.

    ``prompts`` defaults to the seed prompts' train split. With ``resume``, continue from the latest
    checkpoint in ``out`` (the same config is required, except for ``RESUMABLE_CHANGES``).
    """
    out = Path(out)
    start, policy_dir = _prepare_out(out, config, resume)
    pool = PromptPool(prompts if prompts is not None else load_prompts(), config.violent_weight)
    threshold = resolve_threshold(config.threshold, classifier)
    reference = HFGenerator.from_pretrained(generator_dir)
    reference.model.requires_grad_(False)
    policy = HFGenerator.from_pretrained(policy_dir or generator_dir, name=out.name)
    trainable = _trainable_parameters(policy.model, config.trainable_layers)
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.0)
    if policy_dir is not None:
        # Our own file, written by _save_checkpoint; weights_only refuses anything but tensors and plain data.
        optimizer.load_state_dict(torch.load(policy_dir / "optimizer.pt", weights_only=True, map_location=policy.model.device))
        truncate_steps(out, start)
    step_fn = rloo_step if config.method == "rl" else sft_step
    state = {"generator": str(generator_dir), "classifier_version": classifier.version, "threshold": threshold, "config": asdict(config)}
    bar = tqdm(range(start + 1, config.steps + 1), initial=start, total=config.steps, desc=f"distill {config.method}", disable=not progress)
    for step in bar:
        torch.manual_seed(config.seed * 1_000_003 + step)
        batch = pool.batch(config.seed, step, config.prompts_per_step)
        began = time.perf_counter()
        figures = step_fn(policy, reference, classifier, [p.prompt for p in batch], config, threshold, optimizer)
        record = {"step": step, **figures, "violence_prone_share": sum(p.violence_prone for p in batch) / len(batch), "seconds": time.perf_counter() - began}
        append_step(out, record)
        bar.set_postfix(reward=f"{record['reward']:.3f}", unsafe=f"{record['unsafe_rate']:.2f}", kl=f"{record['kl']:.3f}")
        if step % config.checkpoint_every == 0 or step == config.steps:
            _save_checkpoint(out, policy, optimizer, step, state)
    return _save_final(out, policy, pool, state, generator_dir, classifier, config)


def _trainable_parameters(model, top_layers: int | None) -> list[torch.nn.Parameter]:
    """Every parameter, or only those of the top ``top_layers`` blocks and the final norm (Llama-family layout)."""
    if top_layers is None:
        return list(model.parameters())
    decoder = model.get_decoder()
    if top_layers > len(decoder.layers):
        raise ValueError(f"trainable_layers={top_layers} but the model has {len(decoder.layers)} layers")
    model.requires_grad_(False)
    for block in (*decoder.layers[len(decoder.layers) - top_layers :], decoder.norm):
        block.requires_grad_(True)
    return [p for p in model.parameters() if p.requires_grad]


def latest_checkpoint(out: Path) -> Path:
    """The newest complete checkpoint directory in ``out``."""
    found = sorted((out / CHECKPOINTS).glob("step-*[0-9]")) if out.exists() else []
    if not found:
        raise ValueError(f"nothing to resume: {out} has no {CHECKPOINTS}/step-N directory")
    return found[-1]


def saved_config(out: str | Path) -> dict[str, Any]:
    """The settings of the run in ``out``, from its newest checkpoint."""
    return json.loads((latest_checkpoint(Path(out)) / "state.json").read_text())["config"]


def _prepare_out(out: Path, config: DistillConfig, resume: bool) -> tuple[int, Path | None]:
    """(step to continue after, checkpoint directory or None) after checking ``out`` suits the request."""
    if not resume:
        if out.exists() and any(out.iterdir()):
            raise ValueError(f"{out} is not empty; pass --resume to continue the run in it, or choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        return 0, None
    checkpoint = latest_checkpoint(out)
    saved = json.loads((checkpoint / "state.json").read_text())
    differ = sorted(k for k, v in asdict(config).items() if saved["config"].get(k) != v and k not in RESUMABLE_CHANGES)
    if differ:
        raise ValueError(f"--resume needs the settings of the run in {out}; these differ: " + ", ".join(f"{k} (was {saved['config'].get(k)!r}, now {getattr(config, k)!r})" for k in differ))
    log.info("resuming from %s", checkpoint)
    return saved["step"], checkpoint


def _save_checkpoint(out: Path, policy: HFGenerator, optimizer: torch.optim.Optimizer, step: int, state: dict[str, Any]) -> None:
    """Write the checkpoint under a temporary name, rename it into place, then drop older ones."""
    root = out / CHECKPOINTS
    target = root / f"step-{step:06d}"
    partial = root / f"step-{step:06d}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    policy.model.save_pretrained(partial)
    policy.tokenizer.save_pretrained(partial)
    torch.save(optimizer.state_dict(), partial / "optimizer.pt")
    (partial / "state.json").write_text(json.dumps({**state, "step": step}, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)  # a run killed mid-write never leaves a checkpoint that looks complete
    for older in root.glob("step-*[0-9]"):
        if older != target:
            shutil.rmtree(older)


def _save_final(out: Path, policy: HFGenerator, pool: PromptPool, state: dict[str, Any], generator_dir: str | Path, classifier: Classifier, config: DistillConfig) -> dict[str, Any]:
    policy.model.save_pretrained(out)
    policy.tokenizer.save_pretrained(out)
    steps = read_steps(out)
    plot(out, f"distill {config.method} of {Path(generator_dir).name} against classifier {classifier.version}")
    metadata = {
        "method": config.method,
        "config": asdict(config),
        "generator": {"path": str(generator_dir), "version": weights_version(Path(generator_dir))},
        "classifier": {"version": classifier.version, "threshold": state["threshold"], "reward": config.reward},
        "training_sampling": TRAINING_SAMPLING,
        "prompts": pool.record(),
        "figures": summarize(steps),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (out / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata
