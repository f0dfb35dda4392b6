"""LoRA fine-tuning of a causal LM on fiction, with checkpoints that resume exactly.

The block order is a function of the seed and the step alone, and a checkpoint holds the LoRA weights, the
optimizer, the scheduler and torch's random state, so a run killed after any checkpoint and resumed ends with
the weights an unbroken run ends with.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm
from transformers import AutoModelForCausalLM, AutoTokenizer, get_cosine_schedule_with_warmup

from ..checkpoint import STATE_FILE, newest_checkpoint, write_checkpoint
from ..config import default_device
from .config import FinetuneConfig
from .corpus import Block, Document, token_blocks

log = logging.getLogger(__name__)

ADAPTER_DIR = "adapter"
LOSS_LOG = "loss.jsonl"
RECORD = "finetune.json"


def batch_indices(n_blocks: int, step: int, batch_size: int, seed: int) -> list[int]:
    """The blocks of optimizer step ``step`` (0-based): epochs are seeded permutations, read in order."""
    if n_blocks < 1:
        raise ValueError("no training blocks")
    out: list[int] = []
    position = step * batch_size
    while len(out) < batch_size:
        epoch, offset = divmod(position, n_blocks)
        order = np.random.default_rng([seed, epoch]).permutation(n_blocks)
        take = min(batch_size - len(out), n_blocks - offset)
        out.extend(int(i) for i in order[offset : offset + take])
        position += take
    return out


def lora_model(base_dir: str | Path, config: FinetuneConfig, device: str):
    """The base causal LM in fp32 with fresh LoRA weights (seeded) on ``config.target_modules``."""
    from peft import LoraConfig, get_peft_model

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32).to(device)
    torch.manual_seed(config.seed)
    lora = LoraConfig(r=config.lora_rank, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout, target_modules=config.target_modules.split(","), task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def _trainable_state(model) -> dict[str, torch.Tensor]:
    return {name: p.detach().cpu().contiguous() for name, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(root: Path, step: int, model, optimizer, scheduler) -> Path:
    """The state after ``step`` steps, written whole or not at all; older ones removed."""

    def write(partial: Path) -> None:
        save_file(_trainable_state(model), str(partial / "lora.safetensors"))
        rng = {"torch_rng": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda_rng"] = torch.cuda.get_rng_state_all()
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), **rng}, partial / "trainer.pt")
        (partial / STATE_FILE).write_text(json.dumps({"step": step}))

    return write_checkpoint(root, f"step-{step:06d}", "step-", write)


def latest_step_checkpoint(root: Path) -> Path | None:
    """The newest complete checkpoint under ``root``, if any."""
    return newest_checkpoint(root, "step-")


def load_checkpoint(path: Path, model, optimizer, scheduler) -> int:
    """Restore the state in ``path`` in place; returns the number of steps done."""
    weights = load_file(str(path / "lora.safetensors"), device=str(next(model.parameters()).device))
    missing = set(_trainable_state(model)) - set(weights)
    if missing:
        raise ValueError(f"{path} does not match this LoRA configuration (missing {sorted(missing)[:3]}...)")
    model.load_state_dict(weights, strict=False)
    trainer = torch.load(path / "trainer.pt", weights_only=True)
    optimizer.load_state_dict(trainer["optimizer"])
    scheduler.load_state_dict(trainer["scheduler"])
    torch.set_rng_state(trainer["torch_rng"])
    if "cuda_rng" in trainer and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(trainer["cuda_rng"])
    return int(json.loads((path / STATE_FILE).read_text())["step"])


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_log(path: Path, upto: int) -> list[dict]:
    """The loss log of the first ``upto`` steps (a resumed run drops what came after its checkpoint)."""
    if not path.exists():
        return []
    return [row for row in map(json.loads, path.read_text().splitlines()) if row["step"] <= upto]


def finetune(
    base_dir: str | Path,
    out_dir: str | Path,
    documents: Sequence[Document],
    config: FinetuneConfig = FinetuneConfig(),
    resume: bool = False,
    progress: bool = True,
    device: str | None = None,
    stop_after: int | None = None,
) -> dict | None:
    """Train LoRA weights on ``documents`` and write ``out_dir/adapter`` (PEFT format, safetensors).

    Beside it: ``loss.jsonl`` (one line per step), ``loss.png``, ``finetune.json`` (settings, seed, corpus,
    adapter hash) and ``checkpoints/``. Returns the record written to ``finetune.json``. ``stop_after`` ends
    this process after that many steps (checkpointed, schedule unchanged; returns None): a time-boxed chunk of
    the run that ``resume=True`` continues.
    """
    out, device = Path(out_dir), device or default_device()
    checkpoints = out / "checkpoints"
    if out.exists() and not resume and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty; pass --resume to continue a run or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    blocks = token_blocks(documents, tokenizer, config.block_size)
    if not blocks:
        raise ValueError(f"the documents give no block of {config.block_size} tokens")
    model = lora_model(base_dir, config, device)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.learning_rate, weight_decay=0.0)
    scheduler = get_cosine_schedule_with_warmup(optimizer, config.warmup_steps, config.steps)
    start = 0
    if resume and (found := latest_step_checkpoint(checkpoints)):
        start = load_checkpoint(found, model, optimizer, scheduler)
        log.warning("resuming from %s (step %d of %d)", found, start, config.steps)
    losses = _read_log(out / LOSS_LOG, start)
    with (out / LOSS_LOG).open("w") as f:
        f.writelines(json.dumps(row) + "\n" for row in losses)
    began = time.time()
    bar = tqdm(range(start, config.steps), initial=start, total=config.steps, desc="finetune-generator", disable=not progress)
    for step in bar:
        loss, grad_norm = _train_step(model, blocks, step, config, device)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        row = {"step": step + 1, "loss": loss, "grad_norm": grad_norm, "lr": scheduler.get_last_lr()[0], "seconds": round(time.time() - began, 2)}
        losses.append(row)
        with (out / LOSS_LOG).open("a") as f:
            f.write(json.dumps(row) + "\n")
        bar.set_postfix(loss=f"{loss:.3f}")
        if (step + 1) % config.checkpoint_every == 0 or step + 1 in (config.steps, stop_after):
            save_checkpoint(checkpoints, step + 1, model, optimizer, scheduler)
        if step + 1 == stop_after:
            return None
    return _finish(model, tokenizer, out, base_dir, documents, blocks, losses, config)


def _train_step(model, blocks: list[Block], step: int, config: FinetuneConfig, device: str) -> tuple[float, float]:
    ids = torch.tensor([blocks[i].input_ids for i in batch_indices(len(blocks), step, config.batch_size, config.seed)], device=device)
    with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.startswith("cuda")):
        loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
    return float(loss.item()), float(grad_norm)


def _finish(model, tokenizer, out: Path, base_dir, documents, blocks, losses: list[dict], config: FinetuneConfig) -> dict:
    from .plot import plot_losses

    adapter = out / ADAPTER_DIR
    partial = adapter.with_name(adapter.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial, safe_serialization=True)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(adapter, ignore_errors=True)
    partial.rename(adapter)
    plot_losses(losses, out / "loss.png")
    sources = sorted({d.source for d in documents})
    record = {
        "base_model": str(base_dir),
        "adapter": str(adapter),
        "adapter_sha256": file_sha256(adapter / "adapter_model.safetensors"),
        "config": asdict(config),
        "seed": config.seed,
        "corpus": {"sources": sources, "documents": len(documents), "blocks": len(blocks), "tokens_seen": config.steps * config.batch_size * config.block_size},
        "final_loss_mean_last_20": float(np.mean([r["loss"] for r in losses[-20:]])) if losses else None,
        "seconds": losses[-1]["seconds"] if losses else 0.0,
    }
    (out / RECORD).write_text(json.dumps(record, indent=2))
    return record
