"""Loading the generator and the classifier a user names: one loader each, used by the CLI, the web app and distill."""

from __future__ import annotations


def load_generator(generator: str | None = None, adapter: str | None = None, openai_url: str | None = None, openai_model: str = "default", openai_key: str | None = None):
    """A completions server (``openai_url``), a local causal-LM directory (``generator``, with an optional PEFT
    ``adapter`` merged at load), or the default; ``adapter="none"`` alone gives the base SmolLM2."""
    if openai_url:
        from .openai_generator import OpenAICompletionsGenerator

        return OpenAICompletionsGenerator(openai_url, openai_model, api_key=openai_key)
    from .generator import HFGenerator

    if generator:
        return HFGenerator.from_pretrained(generator, adapter=None if adapter in (None, "none") else adapter)
    if adapter == "none":
        return HFGenerator.base()
    if adapter is not None:
        from .defaults import BASE_GENERATOR_NAME, base_generator_dir

        return HFGenerator.from_pretrained(base_generator_dir(), name=BASE_GENERATOR_NAME, adapter=adapter)
    return HFGenerator.default()


def load_classifier(model: str | None, threshold: float | None = None):
    """The classifier in ``model`` (a probe, an ensemble or a fine-tuned encoder), or the shipped default."""
    from .classifier import HFClassifier
    from .ensemble import EnsembleClassifier, is_ensemble
    from .probe import ProbeClassifier, is_probe

    if model is None:
        from ..default_classifier import default_classifier_dir

        model = str(default_classifier_dir())
    if is_probe(model):
        return ProbeClassifier.load(model, threshold=threshold)
    if is_ensemble(model):
        return EnsembleClassifier.load(model, threshold=threshold)
    return HFClassifier.load(model, threshold=threshold)
