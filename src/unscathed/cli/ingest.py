"""``unscathed ingest``: its options and what it does; the work is in ``unscathed.ingest``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from ..ingest import ingest


def cmd_ingest(args: argparse.Namespace) -> int:
    result = ingest(args.corpus, args.sentences, args.stride, args.story_column, args.text_column, args.story_pattern)
    if args.limit:
        result = result[: args.limit]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(args.output).with_suffix(".partial")
    with tmp.open("w", encoding="utf-8") as out:
        for w in result:
            out.write(json.dumps(asdict(w)) + "\n")
    tmp.replace(args.output)
    print(f"wrote {len(result)} prompts from {len({w.story_id for w in result})} stories to {args.output}")
    return 0


def add_ingest_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="turn a corpus into prompt windows (JSONL), keeping story ids")
    parser.add_argument("corpus", help=".txt (one story, or several split by --story-pattern), .csv or .jsonl")
    parser.add_argument("--output", required=True, help="JSONL of prompts to write")
    parser.add_argument("--sentences", type=int, default=3, help="sentences per prompt (default: 3)")
    parser.add_argument("--stride", type=int, help="sentences between window starts (default: --sentences)")
    parser.add_argument("--story-column", default="story_id", help="CSV/JSONL field holding the story id")
    parser.add_argument("--text-column", default="text", help="CSV/JSONL field holding the text")
    parser.add_argument("--story-pattern", help="regex of lines that start a new story in a .txt corpus")
    parser.add_argument("--limit", type=int, help="keep only the first N prompts")
    parser.set_defaults(func=cmd_ingest)
