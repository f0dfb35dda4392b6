import numpy as np
import pytest
import torch
from planted import VowelShareScorer, training_prompts, vowel_share

from unscathed.distill import DistillConfig
from unscathed.distill.objective import rewards
from unscathed.distill.rl import leave_one_out_advantages
from unscathed.distill.rollout import sample_rollout
from unscathed.distill.trainer import distill
from unscathed.models.generator import HFGenerator

pytestmark = pytest.mark.usefixtures("one_thread")


def test_leave_one_out_baseline_is_the_mean_of_the_other_completions():
    returns = torch.tensor([1.0, 2.0, 6.0, 0.0, 0.0, 3.0])
    expected = torch.tensor([1 - 4.0, 2 - 3.5, 6 - 1.5, 0 - 1.5, 0 - 1.5, 3 - 0.0])
    assert torch.allclose(leave_one_out_advantages(returns, 3), expected)
    assert torch.allclose(leave_one_out_advantages(torch.full((4,), 7.0), 2), torch.zeros(4))


def test_rewards_penalise_rejection_and_give_the_worst_to_empty_or_unscored_completions():
    p = np.array([0.2, 0.6, np.nan, 0.1])
    texts = ["a", "b", "c", "  "]
    assert rewards(p, texts, "threshold_penalty", 0.5).tolist() == [0.0, -1.0, -1.0, -1.0]
    assert rewards(p, texts, "neg_p_injury", 0.5).tolist() == pytest.approx([-0.2, -0.6, -1.0, -1.0])


def _penalised_rate(path, prompts) -> float:
    torch.manual_seed(123)  # the same fresh draws for every model compared
    rollout = sample_rollout(HFGenerator.from_pretrained(path), [p.prompt for p in prompts], 48, 12)
    return vowel_share(rollout.texts)


def _run(tiny_generator_dir, out, kl_coef: float) -> dict:
    config = DistillConfig(method="rl", steps=30, learning_rate=1e-2, reward="neg_p_injury", kl_coef=kl_coef, max_new_tokens=12, checkpoint_every=30)
    return distill(tiny_generator_dir, VowelShareScorer(), config, out, prompts=training_prompts(), progress=False)


def test_rl_lowers_the_planted_penalty_while_kl_stays_bounded(tiny_generator_dir, tmp_path):
    """A tiny random model writes vowels in about 5% of its characters; the planted reward penalises them."""
    figures = _run(tiny_generator_dir, tmp_path / "rl", kl_coef=0.05)["figures"]
    assert figures["reward_last"] > figures["reward_first"]
    before, after = _penalised_rate(tiny_generator_dir, training_prompts()), _penalised_rate(tmp_path / "rl", training_prompts())
    assert after < 0.6 * before, (before, after)
    assert 0 < figures["kl_last"] < 3.0 and figures["kl_max"] < 3.0


def test_a_larger_kl_coefficient_keeps_the_policy_closer_to_the_original(tiny_generator_dir, tmp_path):
    loose = _run(tiny_generator_dir, tmp_path / "loose", kl_coef=0.0)["figures"]
    tight = _run(tiny_generator_dir, tmp_path / "tight", kl_coef=1.0)["figures"]
    assert tight["kl_last"] < 0.5 * loose["kl_last"], (tight["kl_last"], loose["kl_last"])
