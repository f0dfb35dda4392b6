"""Early rejection: the probe reads the generator's states while it writes; it may only ever reject."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.filter import RejectionSampler
from unscathed.models.classifier import ClassifierMetadata
from unscathed.models.generator import HFGenerator
from unscathed.models.prefix_probe import shares_network
from unscathed.models.probe import ProbeClassifier, ProbeHead
from unscathed.models.probe_features import FeatureSettings
from unscathed.snippet import Snippet

SETTINGS = FeatureSettings(layers=(1, 2), window=16, stride=8, max_prompt_tokens=40, piece=64, context=24)
SAMPLING = SamplingSettings(max_new_tokens=12, one_sentence=False)
PROMPTS = ["The knight rode out and", "She opened the door and", "A storm came over the hill and"]


class CountingProbe(ProbeClassifier):
    """A probe with a random head on the generator's own network that counts what it reads whole."""

    def __init__(self, generator: HFGenerator, threshold: float) -> None:
        hidden = generator.model.config.hidden_size
        rng = np.random.default_rng(0)
        head = ProbeHead(np.zeros(4 * hidden), np.ones(4 * hidden), rng.normal(0, 0.3, 4 * hidden), 0.0)
        super().__init__(generator.model, generator.tokenizer, head, SETTINGS, ClassifierMetadata(base_model="tiny", threshold=threshold, version="test"))
        self.read_whole = 0

    def score(self, snippets):
        self.read_whole += len(snippets)
        return super().score(snippets)


@pytest.fixture()
def generator(tiny_generator_dir):
    return HFGenerator.from_pretrained(tiny_generator_dir, name="tiny")


def test_the_probe_must_read_this_very_network(generator, tiny_generator_dir):
    probe = CountingProbe(generator, 0.5)
    assert shares_network(probe, generator.model)
    other = HFGenerator.from_pretrained(tiny_generator_dir, name="tiny")
    assert shares_network(probe, other.model)  # equal weights loaded twice
    with torch.no_grad():
        next(other.model.parameters()).add_(1.0)
    assert not shares_network(probe, other.model)
    with pytest.raises(ValueError, match="early rejection needs"):
        RejectionSampler(other, probe, FilterPolicy(early_rejection_every=2), SAMPLING)


def test_a_prefix_over_the_threshold_stops_the_candidate_and_it_is_never_returned(generator):
    probe = CountingProbe(generator, 0.5)
    policy = FilterPolicy(threshold=1e-9, early_rejection_every=2, max_attempts=4, batch_size=2)  # every prefix is over it
    torch.manual_seed(0)
    results = RejectionSampler(generator, probe, policy, SAMPLING).run(PROMPTS)
    assert all(r.accepted is None for r in results)  # fail closed
    candidates = [c for r in results for c in r.candidates]
    assert len(candidates) == 4 * len(PROMPTS) and all(c.completion.finish_reason == "prefix_rejected" for c in candidates)
    assert probe.read_whole == 0  # nothing was worth reading whole
    lengths = [len(generator.tokenizer(c.completion.text, add_special_tokens=False)["input_ids"]) for c in candidates]
    assert max(lengths) <= 3  # stopped after two tokens (a character tokenizer; a stripped space or two aside)


def test_with_nothing_to_reject_the_draws_are_those_of_plain_generation(generator):
    probe = CountingProbe(generator, 0.5)
    plain, early = FilterPolicy(threshold=1.0, max_attempts=2), FilterPolicy(threshold=1.0, early_rejection_every=3, max_attempts=2)
    torch.manual_seed(1)
    without = RejectionSampler(generator, probe, plain, SAMPLING).run(PROMPTS)
    torch.manual_seed(1)
    with_early = RejectionSampler(generator, probe, early, SAMPLING).run(PROMPTS)
    assert [r.completion for r in with_early] == [r.completion for r in without]


def test_every_accepted_completion_was_read_whole_below_the_threshold(generator):
    probe = CountingProbe(generator, 0.5)
    torch.manual_seed(3)
    drawn = [c.text for row in generator.sample(PROMPTS, 4, SAMPLING) for c in row]
    threshold = float(np.median(probe.score([Snippet(p, t) for p, t in zip([p for p in PROMPTS for _ in range(4)], drawn)])))  # half of whole completions pass
    torch.manual_seed(2)
    results = RejectionSampler(generator, probe, FilterPolicy(threshold=threshold, early_rejection_every=2, max_attempts=8, batch_size=4), SAMPLING).run(PROMPTS * 3)
    reasons = [c.completion.finish_reason for r in results for c in r.candidates]
    assert "prefix_rejected" in reasons and any(r.accepted for r in results), "the test needs both early rejections and acceptances"
    for result in results:
        for c in result.candidates:
            if c.accepted:
                assert c.completion.finish_reason != "prefix_rejected" and c.p_injury < threshold
                assert c.p_injury == pytest.approx(float(probe.score([Snippet(result.prompt, c.completion.text)])[0]), abs=1e-6)
            elif c.completion.finish_reason == "prefix_rejected":
                assert c.p_injury >= threshold
