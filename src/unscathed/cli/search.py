"""``unscathed search``: its options and what it does; the work is in ``unscathed.search``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..config import TrainConfig
from ..search import best_trial, run_search


def cmd_search(args: argparse.Namespace) -> int:
    from ..default_classifier import seed_data_path
    from ..labeled_data import load_labeled
    from .options import config_from

    rows = load_labeled(args.data or str(seed_data_path()))
    study = run_search(rows, config_from(args, TrainConfig), args.trials, args.storage, args.study)
    best = best_trial(study)
    Path(args.best_config).write_text(json.dumps(best.user_attrs["train_config"], indent=2) + "\n")
    summary = {"study": args.study, "storage": args.storage, "trials": len(study.trials), "best_trial": best.number, "benign_rejection": best.values[0], "auc": best.values[1], "best_config": args.best_config}
    print(json.dumps(summary, indent=2))
    print(f"view the study: optuna-dashboard {args.storage}", flush=True)
    return 0


def add_search_parser(sub: argparse._SubParsersAction) -> None:
    from .options import add_config_options

    parser = sub.add_parser("search", help="hyperparameter search with Optuna; writes the best trial as a training config")
    parser.add_argument("--data", help="labeled JSONL or store URL (default: the seed dataset)")
    parser.add_argument("--trials", type=int, default=20, help="trials to run in this call (a study can be continued)")
    parser.add_argument("--storage", default="sqlite:///optuna.db", help="SQLAlchemy URL of the Optuna study database")
    parser.add_argument("--study", default="unscathed-classifier", help="study name (reused: more trials continue it)")
    parser.add_argument("--best-config", default="best_train_config.json", help="where to write the best trial's training config")
    add_config_options(parser, TrainConfig)
    parser.set_defaults(func=cmd_search)
