"""A CI-sized distillation of the real default generator (SmolLM2-135M): both methods run and their output
loads as a generator. The keyword baseline stands in for the classifier as the reward, so no classifier has
to be trained first; the benchmarks measure what distillation achieves (benchmarks/distill_*.py)."""

from __future__ import annotations

import json
import math

import pytest

from unscathed.config import SamplingSettings
from unscathed.distill import DistillConfig, load_prompts
from unscathed.distill.trainer import distill
from unscathed.keyword_baseline import KeywordClassifier
from unscathed.models.defaults import default_generator_dir
from unscathed.models.generator import HFGenerator

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.parametrize("method", ["rl", "sft"])
def test_a_short_distillation_of_the_default_generator(method, tmp_path, one_thread):
    config = DistillConfig(method=method, steps=2, prompts_per_step=2, group_size=2, max_new_tokens=10, trainable_layers=2, learning_rate=1e-4)
    metadata = distill(default_generator_dir(), KeywordClassifier(), config, tmp_path / method, prompts=load_prompts()[:8], progress=False)
    steps = [json.loads(line) for line in (tmp_path / method / "report.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1, 2] and all(math.isfinite(s["kl"]) for s in steps)
    assert metadata["classifier"]["version"] == KeywordClassifier.version
    generator = HFGenerator.from_pretrained(tmp_path / method)
    completion = generator.sample(["The knight opened the door."], 1, SamplingSettings(max_new_tokens=10))[0][0]
    assert isinstance(completion.text, str) and completion.token_logprobs is not None
