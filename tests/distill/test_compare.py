import numpy as np
import pytest
from planted import VowelShareScorer

from unscathed.config import FilterPolicy
from unscathed.distill.compare import StandInRater, rate_estimate, side_by_side, table
from unscathed.models.generator import HFGenerator

pytestmark = pytest.mark.usefixtures("one_thread")

PROMPTS = ["the knight saw the sky.", "a door opened.", "she ran home."]


def test_zero_events_give_the_exact_zero_event_bound():
    e = rate_estimate(np.zeros(30))
    # P(no event in 30) = 5% exactly at this rate; the rule of three (3/30) is its approximation
    assert e.upper_bound_only and e.value == 0 and e.high == pytest.approx(1 - 0.05 ** (1 / 30), rel=1e-6) and e.one_sided
    assert rate_estimate(np.array([0, 1, 0, 1.0])).value == 0.5


def test_the_stand_in_rater_ties_equal_texts_and_ranks_an_empty_completion_last(tiny_generator_dir):
    rater = StandInRater(HFGenerator.from_pretrained(tiny_generator_dir), chunk=2)
    assert rater.prefer(PROMPTS, ["abc", "x y", ""], ["abc", "", "ok"]).tolist() == [0.5, 1.0, 0.0]


def test_side_by_side_rows_for_the_original_the_filter_and_a_distilled_copy(tiny_generator_dir):
    original = HFGenerator.from_pretrained(tiny_generator_dir, name="original")
    copy = HFGenerator.from_pretrained(tiny_generator_dir, name="copy")
    scorer = VowelShareScorer()
    scorer.threshold = 0.2
    rows = side_by_side(original, {"copy": copy}, scorer, PROMPTS, samples=3, policy=FilterPolicy(batch_size=2, max_attempts=6), max_new_tokens=10, chunk=2, adversarial=["a sword."], log=lambda m: None)
    by_name = {r.name: r for r in rows}
    assert list(by_name) == ["original", "original + filter", "copy", "copy + filter"]
    assert by_name["original"].kl == 0 and by_name["original"].quality.value == 0.5
    assert abs(by_name["copy"].kl) < 1e-3  # the same weights: no divergence
    assert by_name["original + filter"].unsafe.upper_bound_only
    assert by_name["original + filter"].draws_per_completion >= 1
    assert by_name["copy"].unsafe_adversarial is not None
    text = table(rows)
    assert "STAND-IN rater" in text and "copy + filter" in text
