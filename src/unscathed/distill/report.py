"""The training report: one JSON line per step (reward, KL, unsafe rate, loss ...) and a PNG plot."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

REPORT_FILE = "report.jsonl"
PLOT_FILE = "report.png"


def append_step(out: Path, record: dict[str, Any]) -> None:
    """Add one step's figures; written and flushed at once so a killed run keeps its history."""
    with (out / REPORT_FILE).open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def read_steps(out: Path) -> list[dict[str, Any]]:
    path = out / REPORT_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def truncate_steps(out: Path, last_step: int) -> None:
    """Drop the steps after a checkpoint: a resumed run recomputes them."""
    kept = [r for r in read_steps(out) if r["step"] <= last_step]
    (out / REPORT_FILE).write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")


def _mean(values: list[float]) -> float:
    finite = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    return sum(finite) / len(finite) if finite else float("nan")


def summarize(steps: list[dict[str, Any]], window: int | None = None) -> dict[str, Any]:
    """First and last ``window`` steps' mean reward, unsafe rate and KL (default: a fifth of the run, at least 1)."""
    if not steps:
        return {"steps": 0}
    window = window or max(1, len(steps) // 5)
    head, tail = steps[:window], steps[-window:]
    out: dict[str, Any] = {"steps": len(steps), "window": window, "seconds": sum(r["seconds"] for r in steps)}
    for key in ("reward", "unsafe_rate", "kl", "loss", "completion_tokens"):
        out[f"{key}_first"] = _mean([r[key] for r in head])
        out[f"{key}_last"] = _mean([r[key] for r in tail])
    out["kl_max"] = max((r["kl"] for r in steps if math.isfinite(r["kl"])), default=float("nan"))
    return out


def plot(out: Path, title: str) -> Path:
    """reward, unsafe rate, KL and loss against the step, with a moving average over noisy steps."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = read_steps(out)
    x = [r["step"] for r in steps]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
    for ax, key in zip(axes, ("reward", "unsafe_rate", "kl", "loss")):
        y = [r[key] for r in steps]
        ax.plot(x, y, ".", alpha=0.35, ms=3)
        k = max(1, len(y) // 10)
        smooth = [_mean(y[max(0, i - k + 1) : i + 1]) for i in range(len(y))]
        ax.plot(x, smooth, "-", lw=1.5, label=f"mean of last {k}")
        ax.set_title(key), ax.set_xlabel("step"), ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path = out / PLOT_FILE
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
