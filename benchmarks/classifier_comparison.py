"""Classifiers side by side on held-out labeled data, each at its own shipped threshold, in one run.

    .venv/bin/python benchmarks/classifier_comparison.py --model NAME=DIR [--model NAME=DIR ...] --out results.json

Test sets (none trained or tuned on): the labeling round's test split (whole held-out books and FairytaleQA
stories; the generator's real output), the seed test split by source, and the 200 team-written safe uses of
violent words (label 0). For each: AUC; recall at 1, 2, 5 and 10% benign rejection; at the shipped threshold
the recall with its one-sided 95% Clopper-Pearson lower bound and the benign rejection rate; the same without
the rows labeled unsure; and seconds per snippet (2 CPU threads unless torch says otherwise).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from unscathed.calibrate import recall_lower_bound, threshold_for_benign_rejection
from unscathed.labeled_data import read_jsonl
from unscathed.metrics import auc
from unscathed.models.loading import load_classifier
from unscathed.snippet import Snippet

REPO = Path(__file__).resolve().parents[1]


def figures(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    out = {"n": int(len(labels)), "injurious": int(labels.sum())}
    if labels.sum() and (labels == 0).sum():
        out["auc"] = auc(scores, labels)
        out.update({f"recall at {int(r * 100)}% benign rejected": threshold_for_benign_rejection(scores, labels, r).recall for r in (0.01, 0.02, 0.05, 0.10)})
    if labels.sum():
        caught = int((scores[labels == 1] >= threshold).sum())
        out["recall at threshold"] = caught / int(labels.sum())
        out["recall lower bound (95%, one-sided)"] = recall_lower_bound(caught, int(labels.sum()))
    if (labels == 0).sum():
        out["benign rejected at threshold"] = float((scores[labels == 0] >= threshold).mean())
    return out


def test_sets() -> dict[str, list[dict]]:
    from unscathed.corpus_windows import resolve_prompt

    sets: dict[str, list[dict]] = {}
    real: list[dict] = []
    for labeled in sorted((REPO / "data" / "labeling").glob("round-*/labeled.jsonl")):
        # the test set is what two blind readers (and a third on disagreements) labeled
        real += [{**r, "prompt": resolve_prompt(r["prompt_ref"])} for _, r in read_jsonl(labeled) if r["split"] == "test" and len(r["labels"]) >= 2]
    if real:
        sets["rounds' test split (real generator output, held-out books/stories)"] = real
    seed = [r for _, r in read_jsonl(REPO / "data" / "seed" / "snippets.jsonl") if r["split"] == "test"]
    sets["seed test, generated (old chat generator)"] = [r for r in seed if r["source"] == "generated"]
    sets["seed test, written hard cases"] = [r for r in seed if r["source"] == "written"]
    sets["safe uses of violent words (all 0)"] = [{**r, "unsure": False} for _, r in read_jsonl(REPO / "data" / "eval" / "safe_violent_words.jsonl")]
    return sets


def cached_probe_scores(probe, rows: list[dict]) -> np.ndarray:
    from unscathed.labeled_data import LabeledSnippet
    from unscathed.models.probe import max_by_owner, sigmoid
    from unscathed.probe_train import FeatureCache, backbone_id

    cache = FeatureCache(backbone_id(probe.metadata.base_model), probe.settings)
    x, owners = cache.features(probe.backbone, probe.tokenizer, [LabeledSnippet(r["prompt"], r["completion"], int(r["label"])) for r in rows], probe.settings)
    return max_by_owner(sigmoid(probe.head.logits(x)), owners, len(rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", required=True, help="NAME=DIR (DIR 'default' = the shipped default)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--feature-cache", action="store_true", help="probes: read window features from the training feature cache (same function, same weights) and time the full scoring path on 200 snippets per set")
    args = parser.parse_args()
    sets = test_sets()
    results: dict = {"threads": torch.get_num_threads(), "classifiers": {}}
    for spec in args.model:
        name, path = spec.split("=", 1)
        classifier = load_classifier(None if path == "default" else path)
        entry = {"dir": path, "version": classifier.version, "threshold": classifier.threshold, "sets": {}}
        for set_name, rows in sets.items():
            snippets = [Snippet(r["prompt"], r["completion"]) for r in rows]
            timed = snippets[:200] if args.feature_cache and hasattr(classifier, "head") else snippets
            began = time.perf_counter()
            scores = np.asarray(classifier.score(timed))
            seconds = time.perf_counter() - began
            if len(timed) < len(snippets):
                scores = cached_probe_scores(classifier, rows)
            labels = np.array([r["label"] for r in rows])
            sure = np.array([not r.get("unsure", False) for r in rows])
            entry["sets"][set_name] = {**figures(scores, labels, classifier.threshold), "without unsure rows": figures(scores[sure], labels[sure], classifier.threshold), "seconds per snippet": seconds / len(timed)}
            print(name, set_name, json.dumps({k: v for k, v in entry["sets"][set_name].items() if k != "without unsure rows"}), flush=True)
        results["classifiers"][name] = entry
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
