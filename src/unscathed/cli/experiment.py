"""``unscathed experiment``: its options and what it does; the work is in ``unscathed.experiment``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import TrainConfig
from ..experiment import label_noise_curve, plot_curve


def cmd_label_noise(args: argparse.Namespace) -> int:
    from ..default_classifier import seed_data_path
    from ..labeled_data import load_labeled
    from .options import config_from

    rates = [float(x) for x in args.rates.split(",")]
    results = label_noise_curve(load_labeled(args.data or str(seed_data_path())), rates, config_from(args, TrainConfig), progress=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    if args.plot:
        plot_curve(results, Path(args.plot))
    print("flip_rate  test_recall  test_auc  benign_rejected  threshold")
    for r in results:
        print(f"{r['flip_rate']:9.2f}  {r['test_recall']:11.4f}  {r['test_auc']:8.4f}  {r['test_benign_rejection']:15.4f}  {r['threshold']:.5f}")
    return 0


def add_experiment_parser(sub: argparse._SubParsersAction) -> None:
    from .options import add_config_options

    parser = sub.add_parser("experiment", help="experiments about the pipeline itself")
    kinds = parser.add_subparsers(dest="experiment", required=True)
    noise = kinds.add_parser("label-noise", help="flip a share of training labels, retrain, report test recall and AUC against noise")
    noise.add_argument("--data", help="labeled JSONL with a split column (default: the seed dataset)")
    noise.add_argument("--rates", default="0,0.05,0.1,0.2,0.3", help="comma-separated shares of training labels to flip")
    noise.add_argument("--out", default="label_noise.json", help="where to write the results")
    noise.add_argument("--plot", help="write a PNG of the curve here")
    add_config_options(noise, TrainConfig)
    noise.set_defaults(func=cmd_label_noise)
