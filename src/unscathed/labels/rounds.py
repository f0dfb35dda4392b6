"""A labeling round on disk: sampled snippets, every labeler's answers, and the consensus built from them.

    data/labeling/round-N/
      design.json          how the prompts were drawn (scripts/sample_labeling_round.py)
      snippets.jsonl       one row per snippet: corpus reference, completion, provenance, inclusion probability
      labels/<labeler>.jsonl   one file per labeler: id, label, category, unsure, note, labeled_at
      labeled.jsonl        written by ``build_round``: each snippet with every label and the consensus

Consensus: one label stands alone; two that agree stand; two that disagree go to a third reader, whose label
makes the majority. A toss-up is labeled 1 and flagged unsure (spec v2), and the flag is kept.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..labeled_data import DataError, read_jsonl
from .consensus import consensus
from .note_check import misplaced_notes

INJURIOUS = {"direct_harm", "death", "implied_harm", "accident", "self_harm", "revealed_injury", "worsened_injury", "minor_harm", "certain_harm", "nonhuman_victim"}
NOT_INJURIOUS = {"existing_injury", "non_being", "threat_or_plan", "miss_or_block", "dream_or_hypothetical", "game_or_sport", "figurative", "emotional_pain", "illness_or_fatigue", "medical_procedure", "benign"}


def read_label_files(folder: Path, known_ids: set[str], completions: dict[str, dict]) -> dict[str, list[dict[str, Any]]]:
    """Every labeler's answers, by snippet id, in the order the files list readers (first, second, third)."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        rows = []
        for number, row in read_jsonl(path, required=("id", "label", "category", "unsure", "labeler", "order")):
            where = f"{path}:{number}"
            if row["id"] not in known_ids:
                raise DataError(f"{where}: unknown snippet id {row['id']!r}")
            if row["label"] not in (0, 1) or isinstance(row["label"], bool):
                raise DataError(f"{where}: label must be 0 or 1, got {row['label']!r}")
            if row["category"] not in (INJURIOUS if row["label"] == 1 else NOT_INJURIOUS):
                raise DataError(f"{where}: category {row['category']!r} does not fit label {row['label']}")
            if row["unsure"] and row["label"] != 1:
                raise DataError(f"{where}: an unsure answer is labeled 1 (spec v2), got 0")
            if any(a["labeler"] == row["labeler"] for a in by_id.get(row["id"], [])):
                raise DataError(f"{where}: {row['labeler']} labeled {row['id']} twice")
            rows.append({**row, **completions[row["id"]]})
            by_id.setdefault(row["id"], []).append(row)
        shifted = misplaced_notes(rows)
        if shifted:
            raise DataError(f"{path}: notes that fit a neighbouring row better than their own (answers shifted?): {', '.join(shifted[:10])}")
    for answers in by_id.values():
        answers.sort(key=lambda a: a["order"])
    return by_id


def build_round(folder: str | Path) -> dict[str, Any]:
    """Write ``labeled.jsonl`` (snippets with a decided label) and return counts; refuse unsettled disagreements."""
    folder = Path(folder)
    snippets = [row for _, row in read_jsonl(folder / "snippets.jsonl", required=("id", "completion", "split"))]
    from ..corpus_windows import resolve_prompt

    texts = {s["id"]: {"prompt": s.get("prompt") or resolve_prompt(s["prompt_ref"]), "completion": s["completion"]} for s in snippets}
    answers = read_label_files(folder / "labels", set(texts), texts)
    unsettled = [i for i, a in answers.items() if consensus(a) is None]
    if unsettled:
        raise DataError(f"{len(unsettled)} disagreements need a third reader, e.g. {', '.join(sorted(unsettled)[:5])}")
    written = 0
    partial = folder / "labeled.jsonl.partial"
    with partial.open("w", encoding="utf-8") as out:
        for s in snippets:
            if s["id"] not in answers:
                continue
            decided = consensus(answers[s["id"]])
            assert decided is not None
            labels = [{k: a[k] for k in ("labeler", "label", "category", "unsure", "note", "labeled_at") if k in a} for a in answers[s["id"]]]
            out.write(json.dumps({**s, "label": decided.label, "unsure": decided.unsure, "consensus": decided.rule, "labels": labels}, ensure_ascii=False) + "\n")
            written += 1
    partial.replace(folder / "labeled.jsonl")
    return {"snippets": len(snippets), "labeled": written}


def selection_strategy(row: dict) -> str:
    """How a round's row was drawn: the uniform draws it fell in (random, enriched, test), then an active-learning reason."""
    draws = "+".join(name for name in ("random", "enriched", "test") if row.get(f"in_{name}"))
    return f"{draws}>active:{row['selection_reason']}" if "selection_reason" in row else draws


def store_rows(folder: Path) -> list[dict]:
    """The round's labeled snippets as store rows: every label, selection strategy and inclusion probability."""
    from ..corpus_windows import resolve_prompt

    design = json.loads((folder / "design.json").read_text())
    rows = []
    for _, s in read_jsonl(folder / "labeled.jsonl", required=("id", "completion", "labels", "inclusion_probability")):
        strategy = selection_strategy(s)
        provenance = {k: s[k] for k in ("id", "prompt_ref", "story_id", "generator", "finish_reason", "violence_prone", "consensus") if k in s}
        rows.append({
            "prompt": s.get("prompt") or resolve_prompt(s["prompt_ref"]), "completion": s["completion"], "source": f"generated:round-{design['round']}",
            "provenance": provenance, "selection_strategy": strategy, "selection_probability": s["inclusion_probability"], "split": s["split"], "labels": s["labels"],
        })
    return rows


def write_chunk(chunk: Path, rows: list[dict[str, Any]], refs) -> None:
    """One labelers' chunk (id, prompt and completion, nothing else: no scores) and the same rows appended to the
    round's references (everything but the prompt text, which the corpus reference stands for)."""
    with chunk.open("w") as f:
        f.writelines(json.dumps({k: r[k] for k in ("id", "prompt", "completion")}) + "\n" for r in rows)
    refs.writelines(json.dumps({k: v for k, v in r.items() if k != "prompt"}) + "\n" for r in rows)
    refs.flush()
