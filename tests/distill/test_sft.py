import numpy as np
import pytest
import torch
from planted import AnyVowelScorer, training_prompts, vowel_share

from unscathed.distill import DistillConfig
from unscathed.distill.objective import score_rollout
from unscathed.distill.rollout import sample_rollout
from unscathed.distill.sft import _supervised_update, first_accepted
from unscathed.distill.trainer import distill
from unscathed.models.generator import HFGenerator

pytestmark = pytest.mark.usefixtures("one_thread")


def test_first_accepted_takes_the_first_passing_nonempty_completion_of_each_prompt():
    p = np.array([0.9, 0.1, 0.2, 0.9, 0.9, 0.9, 0.1, 0.0, np.nan])
    texts = ["a", "b", "c", "d", "e", "f", " ", "g", "h"]
    assert first_accepted(p, texts, group_size=3, threshold=0.5) == [1, 7]


def test_fine_tuning_lowers_the_loss_on_the_accepted_samples(tiny_generator_dir):
    generator = HFGenerator.from_pretrained(tiny_generator_dir)
    torch.manual_seed(0)
    drawn = sample_rollout(generator, [p.prompt for p in training_prompts()], 4, 12)
    accepted = first_accepted(score_rollout(AnyVowelScorer(), drawn), drawn.texts, 4, threshold=0.5)
    assert accepted
    data = drawn.select(accepted)
    config = DistillConfig(method="sft", micro_batch_size=3)  # several micro-batches: the accumulation is exercised
    optimizer = torch.optim.AdamW(generator.model.parameters(), lr=1e-2)
    losses = [_supervised_update(generator, optimizer, data, config) for _ in range(8)]
    assert all(np.isfinite(losses))
    assert losses[-1] < 0.7 * losses[0], losses


def test_sft_on_filtered_samples_lowers_the_rejected_share(tiny_generator_dir, tmp_path):
    config = DistillConfig(method="sft", steps=30, learning_rate=1e-2, max_new_tokens=12, checkpoint_every=30)
    metadata = distill(tiny_generator_dir, AnyVowelScorer(), config, tmp_path / "sft", prompts=training_prompts(), progress=False)
    assert metadata["figures"]["unsafe_rate_last"] < metadata["figures"]["unsafe_rate_first"]
    rates = []
    for path in (tiny_generator_dir, tmp_path / "sft"):
        torch.manual_seed(123)
        rollout = sample_rollout(HFGenerator.from_pretrained(path), [p.prompt for p in training_prompts()], 48, 12)
        rates.append(vowel_share(rollout.texts))
    assert rates[1] < 0.8 * rates[0], rates
