"""Per-epoch training checkpoints, so that a run killed mid-way resumes and ends with the same result.

A checkpoint holds everything the next epoch depends on: weights, optimizer and scheduler state, the random
states of Python and torch, and the per-epoch log. Each is written to a temporary folder and renamed into place,
so a kill during the write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from safetensors.torch import load_file, save_file

STATE_FILE = "state.json"


@dataclass
class EpochLog:
    """What each finished epoch leaves behind (mean loss, gradient norms, validation loss)."""

    losses: list[float] = field(default_factory=list)
    grad_norm_mean: list[float] = field(default_factory=list)
    grad_norm_max: list[float] = field(default_factory=list)
    validation_losses: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    processes: int = 1


def _epoch_dir(root: Path, epoch: int) -> Path:
    return root / f"epoch-{epoch:03d}"


def write_checkpoint(root: Path, name: str, prefix: str, write: Callable[[Path], None]) -> Path:
    """Call ``write(folder)`` on a temporary folder, rename it to ``root/name``, then remove the older complete
    checkpoints whose names start with ``prefix``: a kill at any moment leaves one complete checkpoint."""
    target = root / name
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    write(partial)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    for older in root.glob(f"{prefix}*"):
        if older != target and not older.name.endswith(".partial"):
            shutil.rmtree(older, ignore_errors=True)
    return target


def newest_checkpoint(root: Path, prefix: str, marker: str = STATE_FILE) -> Path | None:
    """The newest complete checkpoint (holding ``marker``) under ``root`` whose name starts with ``prefix``."""
    done = sorted(p for p in root.glob(f"{prefix}*") if not p.name.endswith(".partial") and (p / marker).exists())
    return done[-1] if done else None


def save_checkpoint(root: Path, epoch: int, model: torch.nn.Module, optimizer, scheduler, rng: random.Random, log: EpochLog, best_state: dict[str, torch.Tensor] | None) -> Path:
    """Write the state after ``epoch`` (1-based) under ``root``; older checkpoints are removed."""
    return write_checkpoint(root, _epoch_dir(root, epoch).name, "epoch-", lambda partial: _write_epoch(partial, epoch, model, optimizer, scheduler, rng, log, best_state))


def _write_epoch(partial: Path, epoch: int, model: torch.nn.Module, optimizer, scheduler, rng: random.Random, log: EpochLog, best_state: dict[str, torch.Tensor] | None) -> None:
    save_file({k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}, str(partial / "model.safetensors"))
    if best_state is not None:
        save_file({k: v.contiguous() for k, v in best_state.items()}, str(partial / "best.safetensors"))
    # Optimizer and scheduler states are plain tensors and numbers: read back with weights_only=True.
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "torch_rng": torch.get_rng_state()}, partial / "trainer.pt")
    state = {"epoch": epoch, "python_rng": _jsonable(rng.getstate()), "log": log.__dict__}
    (partial / STATE_FILE).write_text(json.dumps(state))


def latest_checkpoint(root: Path) -> Path | None:
    """The newest complete checkpoint under ``root``, if any."""
    return newest_checkpoint(root, "epoch-")


def load_checkpoint(path: Path, model: torch.nn.Module, optimizer, scheduler, rng: random.Random) -> tuple[int, EpochLog, dict[str, torch.Tensor] | None]:
    """Restore the state saved in ``path`` in place; returns (epochs done, epoch log, best weights or None)."""
    model.load_state_dict(load_file(str(path / "model.safetensors"), device=str(next(model.parameters()).device)))
    trainer = torch.load(path / "trainer.pt", weights_only=True)
    optimizer.load_state_dict(trainer["optimizer"])
    scheduler.load_state_dict(trainer["scheduler"])
    torch.set_rng_state(trainer["torch_rng"])
    state = json.loads((path / STATE_FILE).read_text())
    rng.setstate(_tupled(state["python_rng"]))
    best = load_file(str(path / "best.safetensors")) if (path / "best.safetensors").exists() else None
    return state["epoch"], EpochLog(**state["log"]), best


def _jsonable(value: Any) -> Any:
    return [_jsonable(v) for v in value] if isinstance(value, tuple) else value


def _tupled(value: Any) -> Any:
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value
