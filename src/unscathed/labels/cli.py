"""``unscathed labels build|import``: consolidate a labeling round and put it in the store with its provenance."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import default_db_url


def selection_strategy(row: dict) -> str:
    """How a round's row was drawn: the uniform draws it fell in (random, enriched, test), then an active-learning reason."""
    draws = "+".join(name for name in ("random", "enriched", "test") if row.get(f"in_{name}"))
    return f"{draws}>active:{row['selection_reason']}" if "selection_reason" in row else draws


def store_rows(folder: Path) -> list[dict]:
    """The round's labeled snippets as store rows: every label, selection strategy and inclusion probability."""
    from ..corpus_windows import resolve_prompt
    from ..labeled_data import read_jsonl

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


def cmd_labels(args: argparse.Namespace) -> int:
    from ..labels.rounds import build_round

    folder = Path(args.round_dir)
    if args.action == "build":
        print(json.dumps(build_round(folder)))
        return 0
    from ..store import open_store

    store = open_store(args.db)
    rows = store_rows(folder)
    source = rows[0]["source"] if rows else None
    if source and store.snippets_by_source(source):
        raise ValueError(f"{args.db} already holds snippets from {source}; import a round once")
    print(f"imported {store.add_labeled_snippets(rows)} labeled snippets with {sum(len(r['labels']) for r in rows)} labels from {folder} into {args.db}")
    return 0


def add_labels_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("labels", help="build a labeling round's consensus (build) or import it into the store (import)")
    parser.add_argument("action", choices=("build", "import"))
    parser.add_argument("round_dir", help="a round folder, e.g. data/labeling/round-2")
    parser.add_argument("--db", default=default_db_url(), help="SQLAlchemy URL of the store (import)")
    parser.set_defaults(func=cmd_labels)
