"""Train the probe classifier: a head on the generator's hidden states, with a guaranteed threshold.

Three disjoint uses of the labeled data, split by prompt:
- ``train`` fits the head (an MLP; or logistic regression with ``hidden=0``);
- the first half of ``validation`` (by prompt) picks the MLP's epoch (by AUC) or the L2 strength (by log-loss);
- the second half sets the threshold with the Clopper-Pearson rule of ``calibrate``, on one injurious
  completion per prompt (completions of one prompt are not independent).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from .calibrate import threshold_for_recall
from .config import StrictConfig, cache_dir
from .labeled_data import LabeledSnippet, data_hash
from .metrics import auc, summary
from .models.classifier import ClassifierMetadata
from .models.probe import DEFAULT_BACKBONE, ProbeClassifier, ProbeHead, load_backbone, max_by_owner, sigmoid
from .models.probe_features import FeatureSettings, window_features
from .snippet import Snippet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeTrainConfig(StrictConfig):
    backbone: str = field(default=DEFAULT_BACKBONE, metadata={"help": "causal-LM directory whose hidden states the probe reads; default: the default generator"})
    hidden: int = field(default=64, metadata={"help": "width of the MLP head's hidden layer (0: logistic regression)"})
    epochs: int = field(default=30, metadata={"help": "most passes of the MLP head over the training windows; the epoch with the highest selection AUC is kept"})
    weight_decay: float = field(default=0.1, metadata={"help": "AdamW weight decay of the MLP head"})
    l2_grid: tuple[float, ...] = field(default=(1e-2, 3e-2, 1e-1, 3e-1), metadata={"help": "L2 strengths tried for logistic regression (hidden=0); the lowest selection log-loss wins"})
    target_recall: float = field(default=0.90, metadata={"help": "the one-sided lower confidence bound on recall the threshold must reach (0.95 rejects three times as many harmless completions; README)"})
    confidence: float = field(default=0.95, metadata={"help": "confidence of that bound"})
    seed: int = field(default=0, metadata={"help": "seed for the choice of one positive per prompt"})


def _key(s: LabeledSnippet | Snippet) -> str:
    return hashlib.sha256(f"{s.prompt}\x00{s.completion}".encode()).hexdigest()


class FeatureCache:
    """Window features per snippet, kept on disk per (backbone, feature settings), so reruns compute only new rows."""

    def __init__(self, backbone_id: str, settings: FeatureSettings) -> None:
        tag = hashlib.sha256(f"{backbone_id}{asdict(settings)}".encode()).hexdigest()[:12]
        self.path = cache_dir() / f"probe-features-{tag}.npz"
        self.rows: dict[str, np.ndarray] = {}
        if self.path.exists():
            data = np.load(self.path)
            self.rows = {k: data[k] for k in data.files}

    def features(self, model, tokenizer, snippets: Sequence[LabeledSnippet], settings: FeatureSettings) -> tuple[np.ndarray, np.ndarray]:
        missing = list({_key(s): s for s in snippets if _key(s) not in self.rows}.values())
        for start in range(0, len(missing), 256):
            chunk = missing[start : start + 256]
            feats, owners = window_features(model, tokenizer, [Snippet(s.prompt, s.completion) for s in chunk], settings)
            for i, s in enumerate(chunk):
                self.rows[_key(s)] = feats[owners == i].astype(np.float32)
            self._save()
            log.info("probe features: %d of %d new snippets done", min(start + 256, len(missing)), len(missing))
        parts = [self.rows[_key(s)] for s in snippets]
        return np.concatenate(parts), np.repeat(np.arange(len(snippets)), [len(p) for p in parts])

    def _save(self) -> None:
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, **self.rows)
        partial.replace(self.path)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, sample_weight: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted L2-regularised logistic regression on standardised features (full-batch L-BFGS, float64)."""
    X, Y, W = (torch.tensor(a, dtype=torch.float64) for a in (x, y, sample_weight))
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], lr=1.0, max_iter=500, tolerance_grad=1e-9, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = (W * torch.nn.functional.binary_cross_entropy_with_logits(X @ w + b, Y, reduction="none")).sum() / W.sum() + l2 * (w @ w) / 2
        loss.backward()
        return loss

    optimizer.step(closure)
    return w.detach().numpy(), float(b.item())


def fit_mlp(x: np.ndarray, y: np.ndarray, config: "ProbeTrainConfig", select) -> tuple[ProbeHead, int]:
    """An MLP head (input dropout 0.2, GELU, dropout 0.5) on standardised features, class-balanced loss,
    AdamW; after each epoch ``select(head)`` scores it on the selection data (lower is better), and the best
    epoch's head is kept."""
    torch.manual_seed(config.seed)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    X, Y = torch.tensor((x - mean) / scale, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    W = torch.tensor(_class_weights(y), dtype=torch.float32)
    hidden = torch.nn.Linear(X.shape[1], config.hidden)
    out = torch.nn.Linear(config.hidden, 1)
    model = torch.nn.Sequential(torch.nn.Dropout(0.2), hidden, torch.nn.GELU(), torch.nn.Dropout(0.5), out)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=config.weight_decay)
    best: tuple[float, ProbeHead, int] | None = None
    for epoch in range(1, config.epochs + 1):
        model.train()
        for batch in torch.randperm(len(X)).split(256):
            loss = (W[batch] * torch.nn.functional.binary_cross_entropy_with_logits(model(X[batch]).squeeze(-1), Y[batch], reduction="none")).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        head = ProbeHead(mean, scale, out.weight.detach().numpy()[0].copy(), float(out.bias.item()), hidden.weight.detach().numpy().T.copy(), hidden.bias.detach().numpy().copy())
        score = select(head)
        log.info("epoch %d: selection criterion %.4f", epoch, score)
        if best is None or score < best[0]:
            best = (score, head, epoch)
    assert best is not None
    return best[1], best[2]


def split_validation(rows: Sequence[LabeledSnippet]) -> tuple[list[LabeledSnippet], list[LabeledSnippet]]:
    """(selection, calibration): the validation rows halved by a hash of the prompt."""
    def half(r: LabeledSnippet) -> int:
        return hashlib.sha256(f"calibration:{r.prompt}".encode()).digest()[0] % 2

    return [r for r in rows if half(r) == 0], [r for r in rows if half(r) == 1]


def one_positive_per_prompt(rows: Sequence[LabeledSnippet], scores: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """All negatives, and one injurious snippet per prompt chosen at random: independent positives for the bound."""
    rng = np.random.default_rng(seed)
    by_prompt: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.label == 1:
            by_prompt.setdefault(r.prompt, []).append(i)
    keep = [i for i, r in enumerate(rows) if r.label == 0] + [int(rng.choice(ix)) for ix in by_prompt.values()]
    keep.sort()
    return scores[keep], np.array([rows[i].label for i in keep])


def _class_weights(y: np.ndarray) -> np.ndarray:
    pos = max(y.mean(), 1e-9)
    return np.where(y == 1, 0.5 / pos, 0.5 / max(1 - pos, 1e-9))


def train_probe(rows: Sequence[LabeledSnippet], out_dir: str | Path, config: ProbeTrainConfig = ProbeTrainConfig(), settings: FeatureSettings = FeatureSettings()) -> ProbeClassifier:
    """Fit, select, calibrate and save a probe; rows need a ``split`` (train / validation / test)."""
    from .train import save_atomically

    parts = {name: [r for r in rows if r.split == name] for name in ("train", "validation", "test")}
    if not parts["train"] or not parts["validation"]:
        raise ValueError("the probe needs rows in both the train and the validation split")
    selection, calibration = split_validation(parts["validation"])
    model, tokenizer = load_backbone(config.backbone)
    backbone = backbone_id(config.backbone)
    cache = FeatureCache(backbone, settings)
    x_train, owner_train = cache.features(model, tokenizer, parts["train"], settings)
    y_train = np.array([parts["train"][i].label for i in owner_train], float)
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0) + 1e-6

    # Each split's window features, gathered once: the selection split is scored after every epoch.
    splits = {"selection": selection, "calibration": calibration, "test": parts["test"]}
    features = {name: cache.features(model, tokenizer, split_rows, settings) for name, split_rows in splits.items() if split_rows}

    def scores_of(name: str, head: ProbeHead) -> np.ndarray:
        x, owners = features[name]
        return max_by_owner(sigmoid(head.logits(x)), owners, len(splits[name]))

    y_sel = np.array([r.label for r in selection])

    def selection_loss(head: ProbeHead) -> float:
        p = np.clip(scores_of("selection", head), 1e-7, 1 - 1e-7)
        weights = _class_weights(y_sel)
        return float(-(weights * (y_sel * np.log(p) + (1 - y_sel) * np.log(1 - p))).sum() / weights.sum())

    if config.hidden:
        # The threshold is set apart, so the epoch is chosen for ranking (selection AUC), not calibrated probabilities.
        head, chosen_setting = fit_mlp(x_train, y_train, config, lambda h: 1.0 - auc(scores_of("selection", h), y_sel))
        setting = {"hidden": config.hidden, "epoch": chosen_setting, "weight_decay": config.weight_decay}
    else:
        best: tuple[float, ProbeHead, float] | None = None
        for l2 in config.l2_grid:
            w, b = fit_logistic((x_train - mean) / scale, y_train, l2, _class_weights(y_train))
            head = ProbeHead(mean, scale, w, b)
            loss = selection_loss(head)
            log.info("l2 %.0e: selection log-loss %.4f", l2, loss)
            if best is None or loss < best[0]:
                best = (loss, head, l2)
        assert best is not None
        _, head, l2 = best
        setting = {"l2": l2}
    cal_scores, cal_labels = one_positive_per_prompt(calibration, scores_of("calibration", head), config.seed)
    chosen = threshold_for_recall(cal_scores, cal_labels, config.target_recall, config.confidence)
    metrics = {"selection": summary(scores_of("selection", head), y_sel, chosen.threshold), "calibration": asdict(chosen), "head": setting, "n_train": len(parts["train"])}
    if parts["test"]:
        metrics["test"] = summary(scores_of("test", head), np.array([r.label for r in parts["test"]]), chosen.threshold)
    metadata = ClassifierMetadata(
        base_model=config.backbone, threshold=chosen.threshold, training_data_sha256=data_hash(list(rows)), target_recall=config.target_recall,
        validation_metrics=metrics, train_config={**asdict(config), "kind": "probe", "backbone_id": backbone},
        calibration=asdict(chosen), created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    probe = ProbeClassifier(model, tokenizer, head, settings, metadata)
    save_atomically(probe.save, out_dir)
    return probe


def backbone_id(spec: str) -> str:
    if spec == DEFAULT_BACKBONE:
        from .models.defaults import default_generator_name

        return default_generator_name()
    return str(Path(spec).resolve())
