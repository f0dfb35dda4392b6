import numpy as np
import pytest
from conftest import KeywordScorer, ScriptedGenerator

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.filter import FilterError, RejectionSampler
from unscathed.snippet import Snippet


def test_returns_first_completion_below_threshold():
    gen = ScriptedGenerator(["he hurt", "he bled", "she smiled", "they ran"])
    result = RejectionSampler(gen, KeywordScorer(), FilterPolicy(batch_size=4, first_batch_size=4, max_attempts=8)).run(["p"])[0]
    assert result.completion == "she smiled"
    assert [c.accepted for c in result.candidates] == [False, False, True, False]


def test_fails_closed_when_nothing_passes_within_budget():
    gen = ScriptedGenerator(["he hurt", "he bled"])
    result = RejectionSampler(gen, KeywordScorer(), FilterPolicy(batch_size=3, max_attempts=7)).run(["p"])[0]
    assert result.completion is None and result.accepted is None
    assert result.outcome == "exhausted"
    assert len(result.candidates) == 7  # budget respected exactly, even with batch 3


def test_never_returns_a_completion_at_or_above_threshold_on_random_scores():
    rng = np.random.default_rng(0)

    class RandomScorer:
        version, threshold = "random", 0.3

        def score(self, snippets):
            return rng.random(len(snippets))

    gen = ScriptedGenerator([f"c{i}" for i in range(50)])
    results = RejectionSampler(gen, RandomScorer(), FilterPolicy(batch_size=4, max_attempts=12)).run([f"p{i}" for i in range(40)])
    for r in results:
        if r.accepted is not None:
            assert r.accepted.p_injury < 0.3
        assert sum(c.accepted for c in r.candidates) <= 1


def test_nan_scores_are_never_accepted():
    class NanScorer:
        version, threshold = "nan", 0.5

        def score(self, snippets):
            return np.full(len(snippets), np.nan)

    result = RejectionSampler(ScriptedGenerator(["x"]), NanScorer(), FilterPolicy(batch_size=2, max_attempts=4)).run(["p"])[0]
    assert result.completion is None


def test_wrong_number_of_scores_raises_instead_of_returning_unscored():
    class ShortScorer:
        version, threshold = "short", 0.5

        def score(self, snippets):
            return np.zeros(len(snippets) - 1)

    with pytest.raises(FilterError):
        RejectionSampler(ScriptedGenerator(["x"]), ShortScorer(), FilterPolicy(batch_size=2)).run(["p"])


def test_classifier_error_propagates_and_nothing_is_returned():
    class Broken:
        version, threshold = "broken", 0.5

        def score(self, snippets):
            raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError):
        RejectionSampler(ScriptedGenerator(["x"]), Broken(), FilterPolicy()).run(["p"])


def test_tightening_threshold_rejects_what_the_base_threshold_would_accept():
    class Fixed:
        version, threshold = "fixed", 0.5

        def score(self, snippets):
            return np.array([0.9, 0.9, 0.3, 0.1][: len(snippets)])

    loose = RejectionSampler(ScriptedGenerator(["a", "b", "c", "d"]), Fixed(), FilterPolicy(batch_size=4, first_batch_size=4)).run(["p"])[0]
    tight = RejectionSampler(ScriptedGenerator(["a", "b", "c", "d"]), Fixed(), FilterPolicy(batch_size=4, first_batch_size=4, tighten_per_rejection=0.7)).run(["p"])[0]
    assert loose.completion == "c"
    assert tight.candidates[2].threshold == pytest.approx(0.5 * 0.7**2)  # 0.245 <= 0.3: rejected
    assert tight.completion == "d"


def test_policy_threshold_overrides_classifier_threshold():
    sampler = RejectionSampler(ScriptedGenerator(["x"]), KeywordScorer(), FilterPolicy(threshold=0.05))
    assert sampler.threshold == 0.05
    assert sampler.run(["p"])[0].completion is None  # 0.1 >= 0.05 everywhere


def test_open_prompts_share_one_generator_call_per_round():
    gen = ScriptedGenerator(["ok"])
    RejectionSampler(gen, KeywordScorer(), FilterPolicy(batch_size=2)).run(["a", "b", "c"])
    assert gen.calls == 1


def test_batches_start_at_one_draw_and_double_up_to_the_cap():
    gen = ScriptedGenerator(["he hurt"] * 6 + ["she smiled"])
    result = RejectionSampler(gen, KeywordScorer(), FilterPolicy(batch_size=4, max_attempts=16)).run(["p"])[0]
    # rounds draw 1, 2, 4: the 7th draw (round 3) is the first that passes; the 4th round never runs
    assert len(result.candidates) == 7 and result.completion == "she smiled" and gen.calls == 3
    assert [FilterPolicy(batch_size=8).draws_in_round(k) for k in range(5)] == [1, 2, 4, 8, 8]


def test_a_prompt_whose_first_draw_passes_costs_one_draw():
    gen = ScriptedGenerator(["she smiled"])
    results = RejectionSampler(gen, KeywordScorer(), FilterPolicy()).run(["a", "b", "c"])
    assert [len(r.candidates) for r in results] == [1, 1, 1] and gen.drawn == 3


def test_prompts_in_different_rounds_draw_only_what_they_need():
    class ByPrompt:
        version, threshold = "by-prompt", 0.5

        def score(self, snippets):
            return np.array([0.9 if s.prompt == "violent" else 0.1 for s in snippets])

    gen = ScriptedGenerator(["x"])
    results = RejectionSampler(gen, ByPrompt(), FilterPolicy(batch_size=4, max_attempts=7)).run(["calm", "violent"])
    assert len(results[0].candidates) == 1 and results[1].completion is None and len(results[1].candidates) == 7
    assert gen.drawn == 1 + 7  # the calm prompt is never sampled again
