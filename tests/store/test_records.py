import pytest
from conftest import KeywordScorer, ScriptedGenerator

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.filter import RejectionSampler
from unscathed.store import open_store


def test_filter_results_are_recorded_with_provenance(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    results = RejectionSampler(ScriptedGenerator(["he hurt", "ok"]), KeywordScorer(), FilterPolicy(batch_size=2, first_batch_size=2)).run(["p1", "p2"])
    ids = store.record_filter_results(results, "scripted", SamplingSettings(), "keyword-test", FilterPolicy(batch_size=2), 0.5)
    requests = store.requests()
    assert [r.id for r in requests] == ids
    first = requests[0]
    assert first.generator == "scripted" and first.classifier_version == "keyword-test" and first.threshold == 0.5
    assert first.sampling_settings["max_new_tokens"] == SamplingSettings().max_new_tokens
    assert [(c.completion, c.accepted) for c in first.candidates] == [("he hurt", False), ("ok", True)]
    assert first.outcome == "accepted"


def test_labeled_snippet_import_is_all_or_nothing(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    good = {"prompt": "p", "completion": "c", "label": 1, "labeler": "ann"}
    with pytest.raises(KeyError):
        store.add_labeled_snippets([good, {"prompt": "p"}])
    assert store.labeled_snippets() == []
    store.add_labeled_snippets([good])
    assert [r["label"] for r in store.labeled_snippets()] == [1]


def test_queued_snippets_stay_unlabeled_until_a_person_labels_them(tmp_path):
    from unscathed.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    ids = store.queue_for_labeling([
        {"prompt": "p", "completion": "He cut him.", "source": "attack:greedy", "provenance": {"original_snippet_id": 7, "edits": [["cut", "nicked"]]}},
        {"prompt": "p", "completion": "They sang.", "source": "paraphrase"},
    ])
    queued = store.snippets_by_source("attack")
    assert [r["snippet_id"] for r in queued] == [ids[0]]
    assert queued[0]["label"] is None and queued[0]["provenance"]["original_snippet_id"] == 7
    assert store.labeled_snippets() == []
    store.add_label(ids[0], "ann", 1)
    assert store.snippets_by_source("attack")[0]["label"] == 1
    assert [r["snippet_id"] for r in store.labeled_snippets()] == [ids[0]]


def test_a_label_for_a_missing_snippet_is_refused(tmp_path):
    import pytest

    from unscathed.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    with pytest.raises(KeyError, match="no snippet with id 99"):
        store.add_label(99, "ann", 1)
