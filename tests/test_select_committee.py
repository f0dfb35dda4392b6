import numpy as np
import pytest

from unscathed.select import SelectionRule, committee_selection, selection_probability, selection_reasons

RULE = SelectionRule(near_logit=1.0, accepted_prone=0.6, other=0.25)


def test_each_reason_follows_the_committee_and_the_prompt():
    # member 0 is the shipped classifier (threshold 0.1); member 1 a committee member (threshold 0.2)
    scores = np.array([
        [0.11, 0.001, 0.001, 0.9, 0.001, 0.9],
        [0.50, 0.300, 0.001, 0.9, 0.001, 0.9],
    ])
    reasons = selection_reasons(scores, np.array([0.1, 0.2]), np.array([False, False, True, True, False, False]), RULE)
    assert reasons == ["near", "disagree", "accepted_prone", "other", "other", "other"]


def test_probabilities_are_fixed_by_the_reason():
    assert [selection_probability(r, RULE) for r in ("near", "disagree", "accepted_prone", "other")] == [1.0, 1.0, 0.6, 0.25]


def test_committee_selection_keeps_each_completion_at_its_reasons_probability():
    n = 20000
    scores = np.vstack([np.r_[np.full(n, 0.001), np.full(100, 0.1)], np.r_[np.full(n, 0.001), np.full(100, 0.1)]])
    selection, reasons = committee_selection(scores, np.array([0.1, 0.1]), np.r_[np.ones(n, bool), np.zeros(100, bool)], RULE, np.random.default_rng(0))
    kept = np.zeros(n + 100, bool)
    kept[selection.indices] = True
    assert kept[n:].all() and reasons[-1] == "near"
    assert abs(kept[:n].mean() - 0.6) < 0.015
    assert set(selection.probabilities.round(6)) == {0.6, 1.0}


def test_bad_rules_and_shapes_are_refused():
    with pytest.raises(ValueError, match="other"):
        SelectionRule(other=0.0)
    with pytest.raises(ValueError, match="one threshold per member"):
        selection_reasons(np.zeros((2, 3)), np.array([0.1]), np.zeros(3, bool), RULE)
