from __future__ import annotations

import numpy as np
import pytest

from unscathed.attack.proposers import GeneratorProposer
from unscathed.attack.saliency import rank_substitutions, token_saliency
from unscathed.snippet import Snippet

from .conftest import TRIGGER, injurious_snippet


def test_planted_classifier_fires_on_its_trigger_only(planted_classifier):
    scores = planted_classifier.score([injurious_snippet(), Snippet("the knight ran to the door .", "the dragon hit he and he fell .")])
    assert scores[0] > 0.9 and scores[1] < 0.1


def test_token_offsets_map_back_to_the_completion(tiny_classifier):
    snippet = Snippet("the knight ran.", "The dragon bled, and she smiled at the zq sky!")
    tokens = token_saliency(tiny_classifier, snippet)
    assert all(snippet.completion[t.start : t.end] == t.token for t in tokens)
    assert all(not t.token.startswith("##") for t in tokens)
    # Every non-space character of the completion is covered once, in order (word pieces included).
    covered = "".join(t.token for t in tokens)
    assert covered == snippet.completion.replace(" ", "")
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)
    assert all(np.isfinite(t.saliency) for t in tokens)


def test_completion_alone_when_the_prompt_is_empty(tiny_classifier):
    tokens = token_saliency(tiny_classifier, Snippet("", "he hit the door"))
    assert [t.token for t in tokens] == ["he", "hit", "the", "door"]


def test_trigger_word_is_the_most_salient(planted_classifier):
    tokens = token_saliency(planted_classifier, injurious_snippet())
    top = max(tokens, key=lambda t: t.saliency)
    assert top.token == TRIGGER and top.saliency > 0


def test_substitutions_are_scored_for_real_and_ranked(tiny_classifier):
    snippet = Snippet("the knight ran.", "the dragon bled and fell.")
    start = snippet.completion.index("bled")
    subs = rank_substitutions(tiny_classifier, snippet, start, start + 4, k=5)
    assert 1 <= len(subs) <= 5
    assert [s.p_injury for s in subs] == sorted(s.p_injury for s in subs)
    for s in subs:
        assert s.completion == snippet.completion[:start] + s.replacement + snippet.completion[start + 4 :]
        assert s.replacement != "bled"
    real = tiny_classifier.score([Snippet(snippet.prompt, s.completion) for s in subs])
    np.testing.assert_allclose(real, [s.p_injury for s in subs], atol=1e-6)


def test_substituting_the_trigger_clears_the_planted_classifier(planted_classifier):
    snippet = injurious_snippet()
    start = snippet.completion.index(TRIGGER)
    best = rank_substitutions(planted_classifier, snippet, start, start + len(TRIGGER), k=3)[0]
    assert best.p_injury < 0.5 < planted_classifier.score([snippet])[0]


def test_generator_proposer_proposes_whole_words(planted_classifier, word_generator):
    snippet = injurious_snippet()
    start = snippet.completion.index(TRIGGER)
    subs = rank_substitutions(planted_classifier, snippet, start, start + len(TRIGGER), k=4, proposer=GeneratorProposer(word_generator))
    assert subs and all(s.replacement.isalpha() and s.replacement != TRIGGER for s in subs)


@pytest.mark.parametrize("span", [(5, 3), (-1, 2), (0, 999), (4, 4)])
def test_bad_spans_are_refused(tiny_classifier, span):
    with pytest.raises(ValueError, match="span"):
        rank_substitutions(tiny_classifier, Snippet("p", "the dragon bled"), *span)
