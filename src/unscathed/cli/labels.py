"""``unscathed labels build|import``: consolidate a labeling round and put it in the store with its provenance."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import default_db_url
from ..labels.rounds import store_rows


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
