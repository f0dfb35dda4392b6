"""The per-step loss plot of a fine-tuning run."""

from __future__ import annotations

from pathlib import Path


def plot_losses(rows: list[dict], path: Path) -> None:
    """Training loss per step, with a 20-step moving average."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    steps = [r["step"] for r in rows]
    loss = np.array([r["loss"] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, loss, alpha=0.35, label="loss per step")
    if len(loss) >= 20:
        ax.plot(steps[19:], np.convolve(loss, np.ones(20) / 20, mode="valid"), label="20-step mean")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title("finetune-generator: training loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
