"""Send attack and paraphrase candidates to the label queue, with their lineage. Nothing is labeled here."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Sequence

from .paraphrase import Paraphrase
from .recipes import AttackResult


def _original(snippet, p_injury: float | None) -> dict[str, Any]:
    return {"prompt": snippet.prompt, "completion": snippet.completion, "p_injury": p_injury, **({"id": snippet.provenance["id"]} if "id" in snippet.provenance else {})}


def attack_rows(results: Sequence[AttackResult], classifier_version: str, round_number: int | None = None) -> list[dict[str, Any]]:
    """One queue row per candidate below the threshold: source ``attack:<recipe>``, provenance = lineage."""
    rows = []
    for result in results:
        for rank, found in enumerate(result.found):
            lineage = {
                "original": _original(result.original, result.original_p),
                "recipe": result.recipe,
                "edits": [asdict(e) for e in found.candidate.edits],
                "p_injury": found.candidate.p_injury,
                "threshold": result.threshold,
                "classifier_version": classifier_version,
                "queries": found.queries,  # classifier queries spent when this candidate was found
                "seconds": round(found.seconds, 3),
                "rank": rank,
                "round": round_number,
            }
            rows.append({"prompt": result.original.prompt, "completion": found.candidate.completion, "source": f"attack:{result.recipe}", "provenance": lineage, "selection_strategy": "attack"})
    return rows


def paraphrase_rows(paraphrases: Sequence[Paraphrase], generator: str, classifier_version: str, threshold: float, round_number: int | None = None) -> list[dict[str, Any]]:
    """One queue row per accepted paraphrase: source ``paraphrase``, provenance = original and scores."""
    return [
        {
            "prompt": p.original.prompt,
            "completion": p.text,
            "source": "paraphrase",
            "provenance": {"original": _original(p.original, None), "generator": generator, "p_injury": p.p_injury, "threshold": threshold, "classifier_version": classifier_version, "round": round_number},
            "selection_strategy": "paraphrase",
        }
        for p in paraphrases
    ]


def queue(store, rows: list[dict[str, Any]]) -> list[int]:
    """Queue ``rows`` for human labeling (all or nothing); returns their snippet ids."""
    return store.queue_for_labeling(rows) if rows else []
