"""``unscathed egregious``: its options and what it does; the work is in ``unscathed.egregious``."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from ..egregious import egregiousness
from ..snippet import Snippet
from .options import add_generator_options


def cmd_egregious(args: argparse.Namespace) -> int:
    from ..labeled_data import read_jsonl
    from ..models.loading import load_classifier
    from .options import load_generator

    failures = [Snippet(r["prompt"], r["completion"]) for _, r in read_jsonl(args.input, required=("prompt", "completion"))]
    results = egregiousness(failures, load_generator(args), load_classifier(args.model), k=args.k)
    for r in results:
        print(json.dumps({"prompt": r.prompt, "completion": r.completion, "share_injurious": r.share_injurious,
                          "continuations": [{"text": t, "p_injury": round(float(s), 4)} for t, s in zip(r.continuations, r.scores)]}))
    if results:
        print(f"mean share of continuations that treat the injury as real: {np.mean([r.share_injurious for r in results]):.3f} over {len(results)} failures", file=sys.stderr)
    return 0


def add_egregious_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("egregious", help="continue each failure k times and score whether the injury is carried on")
    parser.add_argument("--input", required=True, help="JSONL of failures (prompt, completion)")
    parser.add_argument("--k", type=int, default=8, help="continuations per failure")
    parser.add_argument("--model", help="classifier directory (default: the default classifier)")
    add_generator_options(parser)
    parser.set_defaults(func=cmd_egregious)
