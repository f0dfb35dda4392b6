"""Adversarial rounds: attack the current classifier, queue what fools it, and once people have labeled the
candidates, retrain with them and record what changed.

A round directory holds ``attacks.jsonl`` (one line per attack run: recipe, classifier version, queries,
seconds, and the queued snippet ids of its candidates in the order found) and, after retraining,
``classifier/``. The rounds log (``rounds.jsonl`` beside the round directories) gets one record per retrain:
the classifier versions before and after, and their figures on the seed test split and on a held-out part of
the labeled adversarial snippets (held out by original snippet, so no rewrite of a held-out original trains).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..labeled_data import LabeledSnippet, load_labeled_jsonl
from ..metrics import summary
from ..snippet import Snippet
from .config import AttackConfig
from .queue import attack_rows, queue
from .recipes import AttackResult, build_recipe

ADVERSARIAL_SOURCES = ("attack:", "paraphrase")


def injurious_test_snippets(n: int, seed: int = 0, data: str | None = None) -> list[Snippet]:
    """``n`` injurious snippets of the seed test split (the classifier never trained on them), drawn at random."""
    from ..default_classifier import seed_data_path

    path = data or str(seed_data_path())
    rows = [r for r in load_labeled_jsonl(path) if r.split == "test" and r.label == 1]
    if n > len(rows):
        raise ValueError(f"asked for {n} injurious test snippets; {path} has {len(rows)}")
    chosen = random.Random(seed).sample(rows, n)
    return [Snippet(r.prompt, r.completion, {"id": hashlib.sha256(f"{r.prompt}\n{r.completion}".encode()).hexdigest()[:12]}) for r in chosen]


def log_line(result: AttackResult, classifier_version: str, snippet_ids: Sequence[int]) -> dict[str, Any]:
    """The attack log's record of one run (candidates paired with the ids they were queued under)."""
    return {
        "recipe": result.recipe,
        "classifier_version": classifier_version,
        "original": {"prompt": result.original.prompt, "completion": result.original.completion, "p_injury": result.original_p},
        "threshold": result.threshold,
        "success": result.success,
        "best_p_injury": result.best.p_injury,
        "queries": result.queries,
        "seconds": round(result.seconds, 3),
        "candidates": [{"snippet_id": i, "queries": f.queries, "seconds": round(f.seconds, 3)} for i, f in zip(snippet_ids, result.found)],
    }


def attack_phase(classifier, snippets: Sequence[Snippet], recipes: Sequence[str], config: AttackConfig, store, round_dir: Path, round_number: int, generator=None, mlm=None, progress=print) -> dict[str, dict[str, float]]:
    """Run each recipe on each snippet, queue every candidate, append to ``round_dir/attacks.jsonl``.
    Returns per recipe: runs, success rate (classifier fooled), queries and seconds per success."""
    round_dir.mkdir(parents=True, exist_ok=True)
    summaries = {}
    with (round_dir / "attacks.jsonl").open("a", encoding="utf-8") as log:
        for recipe in recipes:
            attack = build_recipe(recipe, classifier, config, generator=generator, mlm=mlm)
            results = []
            for k, snippet in enumerate(snippets, start=1):
                result = attack.run(snippet)
                ids = queue(store, attack_rows([result], classifier.version, round_number))
                log.write(json.dumps(log_line(result, classifier.version, ids)) + "\n")
                log.flush()
                results.append(result)
                progress(f"{recipe} {k}/{len(snippets)}: {'fooled' if result.success else 'held'} p {result.original_p:.3f} -> {result.best.p_injury:.4f} in {result.queries} queries, {result.seconds:.1f}s")
            summaries[recipe] = attack_summary(results)
    return summaries


def attack_summary(results: Sequence[AttackResult]) -> dict[str, float]:
    """Success rate (classifier fooled, not yet verified) and the cost per success."""
    wins = sum(r.success for r in results)
    queries, seconds = sum(r.queries for r in results), sum(r.seconds for r in results)
    return {"runs": len(results), "successes": wins, "success_rate": wins / len(results) if results else float("nan"), "queries_per_success": queries / wins if wins else float("inf"), "seconds_per_success": seconds / wins if wins else float("inf")}


def is_held_out(row: dict[str, Any], fraction: float) -> bool:
    """Whether an adversarial snippet belongs to the held-out adversarial set (decided by its original)."""
    original = row["provenance"].get("original", {})
    digest = hashlib.sha256(f"{original.get('prompt')}\n{original.get('completion')}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def labeled_adversarial(store) -> list[dict[str, Any]]:
    """Adversarial snippets (attack candidates and paraphrases) that people have labeled."""
    return [r for prefix in ADVERSARIAL_SOURCES for r in store.snippets_by_source(prefix) if r["label"] is not None]


def figures(classifier, seed_test: list[LabeledSnippet], adversarial_test: list[dict[str, Any]]) -> dict[str, Any]:
    """The classifier's figures at its own threshold: seed test split, and held-out labeled adversarial set."""
    seed_scores = classifier.score([Snippet(r.prompt, r.completion) for r in seed_test])
    out: dict[str, Any] = {"seed_test": summary(seed_scores, np.array([r.label for r in seed_test]), classifier.threshold)}
    if adversarial_test:
        adv_scores = classifier.score([Snippet(r["prompt"], r["completion"]) for r in adversarial_test])
        out["adversarial_test"] = summary(adv_scores, np.array([r["label"] for r in adversarial_test]), classifier.threshold)
    return out


def retrain_phase(store, round_dir: Path, before, train_config, held_out_fraction: float = 0.3, seed_data: str | None = None, seed_train_examples: int | None = None) -> dict[str, Any]:
    """Train on seed + labeled adversarial (minus the held-out part), compare with ``before``, log the round.

    ``seed_train_examples`` caps the seed training rows (drawn at random; validation and test rows kept
    whole) while every adversarial training row is kept: for a quick round that fine-tunes ``before``
    (``train_config.base_model`` = its directory), where the seed rows only guard against forgetting.
    (``train_config.max_train_examples`` would subsample the adversarial rows too.)
    """
    from ..default_classifier import seed_data_path
    from ..train import train_classifier

    seed_rows = load_labeled_jsonl(seed_data or seed_data_path())
    if seed_train_examples is not None:
        seed_train = [r for r in seed_rows if r.split == "train"]
        kept = set(map(id, random.Random(train_config.seed).sample(seed_train, min(seed_train_examples, len(seed_train)))))
        seed_rows = [r for r in seed_rows if r.split != "train" or id(r) in kept]
    adversarial = labeled_adversarial(store)
    if not adversarial:
        raise ValueError("no labeled adversarial snippets in the store: label the queued candidates first")
    adv_test = [r for r in adversarial if is_held_out(r, held_out_fraction)]
    adv_train = [LabeledSnippet(r["prompt"], r["completion"], int(r["label"]), "train") for r in adversarial if not is_held_out(r, held_out_fraction)]
    after = train_classifier(seed_rows + adv_train, round_dir / "classifier", train_config)
    seed_test = [r for r in seed_rows if r.split == "test"]
    record = {
        "round": round_dir.name,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "classifier_before": before.version,
        "classifier_after": after.version,
        "classifier_dir": str(round_dir / "classifier"),
        "seed_train": sum(r.split == "train" for r in seed_rows),
        "adversarial_train": {"n": len(adv_train), "injurious": sum(r.label for r in adv_train)},
        "adversarial_test": {"n": len(adv_test), "injurious": sum(r["label"] for r in adv_test)},
        "train_config": asdict(train_config),
        "before": figures(before, seed_test, adv_test),
        "after": figures(after, seed_test, adv_test),
    }
    with (round_dir.parent / "rounds.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")
    return record


def read_attack_log(round_dirs: Sequence[Path]) -> list[dict[str, Any]]:
    rows = []
    for d in round_dirs:
        path = Path(d) / "attacks.jsonl"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no attack log (run `unscathed round attack` first)")
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows
