"""``unscathed``: the parser of every subcommand, and generate, score and train (the others have a file each here)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

from ..config import FilterPolicy, SamplingSettings, TrainConfig, default_db_url
from ..models.loading import load_classifier
from .options import add_config_options, add_generator_options, config_from, load_generator

log = logging.getLogger("unscathed")


class CLIError(Exception):
    """A user error: printed as one line, exit code 2."""


def _read_prompts(path: str) -> tuple[list[str], list[str]]:
    """Prompts from a JSONL file (field ``prompt``) or a text file (one prompt per line)."""
    from ..labeled_data import read_jsonl

    if path.endswith(".jsonl"):
        pairs = [(row["prompt"], f"{path}:{n}") for n, row in read_jsonl(path, required=("prompt",))]
    else:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        pairs = [(line, f"{path}:{n}") for n, line in enumerate(lines, start=1) if line.strip()]
    return [p for p, _ in pairs], [w for _, w in pairs]


def cmd_generate(args: argparse.Namespace) -> int:
    import torch

    from ..generate import check_prompts, filtered_generate, result_json, result_text, unfiltered_generate
    from ..store import open_store

    if args.prompts:
        prompts, where = _read_prompts(args.prompts)
    else:
        prompts, where = list(args.prompt or []), None
    if not prompts:
        raise CLIError("give --prompt TEXT or --prompts FILE")
    check_prompts(prompts, where)
    settings = config_from(args, SamplingSettings)
    args.batch_size = args.n  # --n is the policy's batch size: candidates drawn per round
    policy = config_from(args, FilterPolicy)
    if args.seed is not None:
        torch.manual_seed(args.seed)
    classifier = load_classifier(args.model)
    generator = load_generator(args)
    store = None if args.no_record else open_store(args.db)
    if args.no_filter:  # one plain sample per prompt (e.g. a distilled generator's), scored but not filtered
        results = unfiltered_generate(prompts, generator, classifier, settings, store, policy.threshold)
    else:
        results = filtered_generate(prompts, generator, classifier, policy, settings, store)
    for result in results:
        print(json.dumps(result_json(result)) if args.json else result_text(result) + "\n")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from ..score import score_file

    classifier = load_classifier(args.model, args.threshold)
    count = score_file(args.input, args.output, classifier)
    print(f"scored {count} snippets into {args.output} (classifier {classifier.version}, threshold {classifier.threshold:.4f})", file=sys.stderr)
    return 0


def _training_rows(sources: list[str] | None):
    from ..labeled_data import load_labeled

    if not sources:
        from ..default_classifier import seed_data_path

        sources = [str(seed_data_path())]
    return [row for source in sources for row in load_labeled(source)]


def cmd_train_probe(args: argparse.Namespace) -> int:
    from ..probe_train import ProbeTrainConfig, train_probe

    given = {"backbone": args.base_model, "target_recall": args.target_recall, "hidden": args.probe_hidden, "seed": args.seed}
    config = ProbeTrainConfig(**{k: v for k, v in given.items() if v is not None})
    probe = train_probe(_training_rows(args.data), args.out, config)
    print(json.dumps({"out": args.out, "version": probe.version, "threshold": probe.threshold, **probe.metadata.validation_metrics}, indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from ..train import train_classifier

    if args.kind == "probe":
        return cmd_train_probe(args)

    config = config_from(args, TrainConfig, base=json.loads(Path(args.config).read_text()) if args.config else None)
    rows = _training_rows(args.data)
    checkpoints = args.checkpoint_dir or f"{args.out.rstrip('/')}.checkpoints"
    classifier = train_classifier(rows, args.out, config, checkpoint_dir=checkpoints, resume=args.resume)
    from accelerate import PartialState

    if PartialState().is_main_process:
        print(json.dumps({"out": args.out, "version": classifier.version, "threshold": classifier.threshold, **classifier.metadata.validation_metrics}, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unscathed", description="Filtered fiction generation that never describes injury.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="continue prompts, returning only completions the classifier accepts")
    gen.add_argument("--prompt", action="append", help="a prompt to continue (repeatable)")
    gen.add_argument("--prompts", help="file of prompts: .jsonl with a 'prompt' field, or text with one per line")
    gen.add_argument("--n", type=int, help="candidates drawn per round for each prompt (the policy's batch size)")
    gen.add_argument("--json", action="store_true", help="one JSON object per prompt")
    gen.add_argument("--model", help="classifier directory (default: the shipped probe classifier)")
    add_generator_options(gen)
    gen.add_argument("--seed", type=int, help="torch seed for reproducible sampling")
    gen.add_argument("--db", default=default_db_url(), help="SQLAlchemy URL of the store that records every candidate")
    gen.add_argument("--no-record", action="store_true", help="do not write to the store")
    gen.add_argument("--no-filter", action="store_true", help="return one plain sample per prompt, unfiltered (still scored and recorded, marked 'unfiltered'); e.g. for a distilled --generator")
    add_config_options(gen, SamplingSettings)
    add_config_options(gen, FilterPolicy, skip=("batch_size",))
    gen.set_defaults(func=cmd_generate)

    score = sub.add_parser("score", help="add p_injury and accepted to each line of a JSONL file")
    score.add_argument("--input", required=True, help="JSONL with 'prompt' and 'completion' on each line")
    score.add_argument("--output", required=True, help="where to write the scored JSONL")
    score.add_argument("--model", help="classifier directory (default: the default classifier)")
    score.add_argument("--threshold", type=float, help="override the classifier's threshold")
    score.set_defaults(func=cmd_score)

    train = sub.add_parser("train", help="fine-tune a classifier and choose its threshold")
    train.add_argument("--data", action="append", help="labeled JSONL file or store URL, repeatable (default: the seed dataset)")
    train.add_argument("--kind", choices=("encoder", "probe"), default="encoder", help="encoder: fine-tune --base-model (MiniLM by default); probe: a head on the generator's hidden states (--base-model: its causal LM; the default generator if omitted)")
    train.add_argument("--out", required=True, help="directory to write the classifier to")
    train.add_argument("--probe-hidden", type=int, help="probe: width of the MLP head's hidden layer (0: logistic regression; default 64)")
    train.add_argument("--config", help="JSON file of training settings (e.g. written by `unscathed search`); options given here override it")
    train.add_argument("--checkpoint-dir", help="where to checkpoint after every epoch (default: OUT.checkpoints)")
    train.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in the checkpoint directory")
    add_config_options(train, TrainConfig)
    train.set_defaults(func=cmd_train)

    from .attack import add_attack_parser
    from .calibrate import add_calibrate_parser
    from .distill import add_distill_parser
    from .egregious import add_egregious_parser
    from .evaluate import add_evaluate_parser
    from .experiment import add_experiment_parser
    from .finetune_generator import add_finetune_generator_parser
    from .ingest import add_ingest_parser
    from .labels import add_labels_parser
    from .search import add_search_parser
    from .serve import add_serve_parser

    for add in (add_ingest_parser, add_labels_parser, add_evaluate_parser, add_egregious_parser, add_calibrate_parser, add_attack_parser, add_distill_parser,
                add_search_parser, add_experiment_parser, add_finetune_generator_parser, add_serve_parser):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        # transformers' per-load reports and weight-loading bars drown the output; our own bars stay.
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    from ..labeled_data import DataError
    from ..models.classifier import NotAClassifierError
    from ..models.defaults import MissingModelError

    try:
        return args.func(args)
    except (CLIError, DataError, NotAClassifierError, MissingModelError, FileNotFoundError, ValueError) as error:
        print(f"unscathed {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
