"""What the admin dashboard shows, computed from the store's raw rows: gold accuracy, Cohen's kappa,
red-team failures and time to failure, acceptance rate and the quality estimate."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from ..stats import cohen_kappa, quality_efficient
from ..store import comparisons, dashboard
from .models import ModelService


def labeler_quality(session: Session) -> list[dict[str, Any]]:
    """Per labeler: gold answers, accuracy on the decided ones, and kappa against everyone else's labels."""
    gold: dict[str, list[tuple[int | None, int]]] = defaultdict(list)
    for row in dashboard.gold_answers(session):
        gold[row["labeler"]].append((row["answer"], row["truth"]))
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for by_labeler in dashboard.multiply_labeled(session).values():
        for name, label in by_labeler.items():
            pairs[name].extend((label, other) for other_name, other in by_labeler.items() if other_name != name)
    rows = []
    for name in sorted(set(gold) | set(pairs)):
        decided = [(a, t) for a, t in gold[name] if a is not None]
        rows.append({
            "labeler": name,
            "gold_answers": len(gold[name]),
            "gold_unsure": len(gold[name]) - len(decided),
            "gold_accuracy": (sum(a == t for a, t in decided) / len(decided)) if decided else math.nan,
            "agreement_pairs": len(pairs[name]),
            "kappa": cohen_kappa(pairs[name]),
        })
    return rows


def overall_kappa(session: Session) -> tuple[float, int]:
    """Kappa between the first two labelers of every snippet labeled by two or more people."""
    pairs = [tuple(list(by.values())[:2]) for by in dashboard.multiply_labeled(session).values()]
    return cohen_kappa(pairs), len(pairs)


def redteam_summary(session: Session, key: str) -> list[dict[str, Any]]:
    """Submissions grouped by ``redteamer`` or ``classifier_version``: verified failures (accepted and labeled
    injurious), refuted, still unverified, and the median seconds a verified failure took."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in dashboard.redteam_submissions(session):
        groups[row[key]].append(row)
    out = []
    for name, rows in sorted(groups.items()):
        failures = [r for r in rows if r["accepted"] and r["label"] == 1]
        out.append({
            key: name,
            "submitted": len(rows),
            "verified_failures": len(failures),
            "refuted": sum(1 for r in rows if r["label"] == 0),
            "unverified": sum(1 for r in rows if r["label"] is None),
            "median_seconds_to_failure": float(np.median([r["seconds"] for r in failures])) if failures else math.nan,
        })
    return out


def quality(session: Session) -> dict[str, Any]:
    accepted, preference, failed_closed, waiting = comparisons.quality_inputs(session)
    if len(accepted) == 0 or waiting:
        # Prompts still waiting are exactly those whose y0 was rejected: leaving them out would lean Q toward 1/2.
        return {"prompts": len(accepted), "waiting": waiting, "estimate": None}
    estimate = quality_efficient(accepted, preference, failed_closed=failed_closed)
    return {"prompts": len(accepted), "waiting": waiting, "estimate": estimate, "failed_closed": int(failed_closed.sum())}


def summary(session: Session, models: ModelService) -> dict[str, Any]:
    """Everything on the dashboard, in one dictionary for the template."""
    classifier = models.classifier
    kappa, kappa_pairs = overall_kappa(session)
    return {
        "queues": dashboard.queue_sizes(session),
        "rate": dashboard.labels_per_hour(session),
        "labelers": labeler_quality(session),
        "kappa": kappa,
        "kappa_pairs": kappa_pairs,
        "redteamers": redteam_summary(session, "redteamer"),
        "versions": redteam_summary(session, "classifier_version"),
        "classifier": {"version": classifier.version, "threshold": classifier.threshold, **dashboard.acceptance(session, classifier.version)},
        "quality": quality(session),
    }
