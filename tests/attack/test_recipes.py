"""Each recipe lowers the score of a planted weak classifier and respects its constraints."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pytest

from unscathed.attack.config import AttackConfig
from unscathed.attack.constraints import completion_logprobs
from unscathed.attack.recipes import RECIPES, build_recipe
from unscathed.snippet import Snippet

from .conftest import TRIGGER, injurious_snippet

WORD_RECIPES = ["hotflip", "deepwordbug", "textfooler", "bae", "saliency-beam"]


class TriggerDensity:
    """A planted weak scorer for distractors: P(injury) = 0.5 + 4 x (share of words that are the trigger),
    capped at 1, so it drops as unrelated text is appended and never without it."""

    version, threshold = "density", 0.6

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        shares = [re.findall(r"\w+", s.completion).count(TRIGGER) / max(1, len(re.findall(r"\w+", s.completion))) for s in snippets]
        return np.minimum(1.0, 0.5 + 4 * np.array(shares))


def _edits_of(result):
    return [e for f in result.found for e in f.candidate.edits] + list(result.best.edits)


@pytest.mark.parametrize("recipe", WORD_RECIPES)
def test_recipe_flips_the_planted_classifier_within_its_edit_budget(recipe, planted_classifier, word_generator):
    config = AttackConfig(max_edits=2, max_queries=200, max_fluency_drop=None)
    result = build_recipe(recipe, planted_classifier, config, generator=word_generator).run(injurious_snippet())
    assert result.original_p > 0.9
    assert result.success and result.best.p_injury < planted_classifier.threshold
    found = result.found[0].candidate
    assert TRIGGER not in found.completion.split()  # the planted weakness is what it found
    assert 1 <= len(found.edits) <= 2
    assert planted_classifier.score([Snippet(injurious_snippet().prompt, found.completion)])[0] == pytest.approx(found.p_injury, abs=1e-6)
    assert 0 < result.found[0].queries <= result.queries <= 200


def test_distractor_dilutes_a_density_scorer():
    scorer = TriggerDensity()
    snippet = Snippet("p", "he bled .")
    result = build_recipe("distractor", scorer, AttackConfig(max_edits=3), generator=None).run(snippet)
    assert result.success and result.best.completion.startswith("he bled .")
    assert all(e.kind == "append" for e in result.best.edits) and len(result.best.edits) <= 3


@pytest.mark.parametrize("recipe", WORD_RECIPES)
def test_protected_trigger_is_never_edited(recipe, planted_classifier, word_generator):
    config = AttackConfig(max_edits=2, max_queries=120, max_fluency_drop=None, protected_words=(TRIGGER,))
    result = build_recipe(recipe, planted_classifier, config, generator=word_generator).run(injurious_snippet())
    assert not result.success and result.best.completion.split().count(TRIGGER) == 1
    assert result.best.p_injury > 0.5


def test_one_edit_cannot_remove_two_triggers(planted_classifier, word_generator):
    snippet = Snippet(injurious_snippet().prompt, "he bled and she bled .")
    result = build_recipe("hotflip", planted_classifier, AttackConfig(max_edits=1, max_fluency_drop=None), generator=word_generator).run(snippet)
    assert len(result.best.edits) <= 1 and not result.success


@pytest.mark.parametrize("recipe", ["textfooler", "bae"])
def test_fluency_bound_holds_for_every_candidate(recipe, planted_classifier, word_generator):
    snippet = injurious_snippet()
    config = AttackConfig(max_edits=2, max_queries=150, max_fluency_drop=0.3, max_successes=3)
    result = build_recipe(recipe, planted_classifier, config, generator=word_generator).run(snippet)
    floor = completion_logprobs(word_generator, snippet.prompt, [snippet.completion])[0] - 0.3
    texts = [f.candidate.completion for f in result.found] + [result.best.completion]
    assert all(lp >= floor - 1e-5 for lp in completion_logprobs(word_generator, snippet.prompt, texts))


def test_query_budget_is_respected(planted_classifier, word_generator):
    result = build_recipe("saliency-beam", planted_classifier, AttackConfig(max_queries=5, max_fluency_drop=None), generator=word_generator).run(injurious_snippet())
    assert result.queries <= 5


def test_recipes_that_need_a_language_model_say_so(planted_classifier):
    with pytest.raises(ValueError, match="language model"):
        build_recipe("textfooler", planted_classifier, AttackConfig())
    with pytest.raises(ValueError, match="unknown recipe"):
        build_recipe("nope", planted_classifier)
    assert set(WORD_RECIPES) | {"distractor"} == set(RECIPES)
