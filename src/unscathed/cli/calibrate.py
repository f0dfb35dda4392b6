"""``unscathed calibrate``: its options and what it does; the work is in ``unscathed.calibrate``."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..calibrate import expected_draws, threshold_for_benign_rejection, threshold_for_recall, write_report


def cmd_calibrate(args: argparse.Namespace) -> int:

    from ..labeled_data import load_split
    from ..models.loading import load_classifier
    from ..snippet import Snippet

    if (args.recall is None) == (args.max_benign_rejection is None):
        raise ValueError("give exactly one target: --recall R or --max-benign-rejection F")
    classifier = load_classifier(args.model)
    data, rows = load_split(args.data, args.split)
    scores = classifier.score([Snippet(r.prompt, r.completion) for r in rows])
    labels = np.array([r.label for r in rows])
    if args.recall is not None:
        calibration = threshold_for_recall(scores, labels, args.recall, args.confidence)
    else:
        calibration = threshold_for_benign_rejection(scores, labels, args.max_benign_rejection, args.confidence)
    by_prompt: dict[str, list[float]] = {}
    for r, s in zip(rows, scores):
        by_prompt.setdefault(r.prompt, []).append(float(s))
    groups = [np.array(v) for v in by_prompt.values()]
    classifier.metadata.threshold = calibration.threshold
    classifier.metadata.calibration = {**asdict(calibration), "data": data, "split": args.split, "n": len(rows)}
    classifier.metadata.save(Path(args.model))
    if args.report:
        write_report(Path(args.report), scores, labels, groups, calibration, classifier.version)
    draws, never = expected_draws(groups, calibration.threshold)
    print(json.dumps({**asdict(calibration), "expected_draws": draws, "share_of_prompts_never_passing": never}, indent=2))
    return 0


def add_calibrate_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("calibrate", help="choose a threshold for a recall or benign-rejection target and write it into the model")
    parser.add_argument("--model", required=True, help="classifier directory to calibrate (its unscathed.json is updated)")
    parser.add_argument("--data", help="labeled JSONL (default: the seed dataset)")
    parser.add_argument("--split", default="validation", help="rows to calibrate on: train, validation, test or all")
    parser.add_argument("--recall", type=float, help="target for the one-sided lower confidence bound on recall")
    parser.add_argument("--confidence", type=float, default=0.95, help="confidence of that bound")
    parser.add_argument("--max-benign-rejection", type=float, help="largest share of non-injurious snippets that may be rejected")
    parser.add_argument("--report", help="write an HTML report (with PNG plots beside it) here")
    parser.set_defaults(func=cmd_calibrate)
