"""A labeling round: consensus rules, refusals with file:line, and the import into the store with provenance."""

from __future__ import annotations

import json

import pytest

from unscathed.labeled_data import DataError, load_labeled_jsonl
from unscathed.labels import misplaced_notes
from unscathed.labels.rounds import build_round, consensus, store_rows
from unscathed.store import open_store


def _answer(label, unsure=False, labeler="a", order=1):
    return {"label": label, "unsure": unsure, "labeler": labeler, "order": order}


def test_consensus_rules():
    assert consensus([_answer(1, True)]).rule == "single"
    assert consensus([_answer(0), _answer(0)]).label == 0
    assert consensus([_answer(1), _answer(0)]) is None  # waits for a third reader
    settled = consensus([_answer(1, True), _answer(0), _answer(1)])
    assert (settled.label, settled.unsure, settled.rule) == (1, True, "third reader")
    assert consensus([_answer(1, True), _answer(0), _answer(0)]).unsure is False


def test_a_note_that_fits_the_next_row_is_caught():
    rows = [
        {"id": "x1", "prompt": "p", "completion": "The hammer rang on the anvil.", "note": "sword pierced the guard's chest"},
        {"id": "x2", "prompt": "p", "completion": "His sword pierced the guard's chest.", "note": "hammer on anvil, nothing hurt"},
    ]
    assert misplaced_notes(rows) == ["x1", "x2"]
    assert misplaced_notes([{**rows[0], "note": "anvil only"}, {**rows[1], "note": "chest pierced by sword"}]) == []


def _round(tmp_path, labels: dict[str, list[dict]]):
    folder = tmp_path / "round-9"
    (folder / "labels").mkdir(parents=True)
    (folder / "design.json").write_text(json.dumps({"round": 9}))
    snippets = [
        {"id": "s1", "prompt": "The knight drew his sword.", "completion": "He cut the bandit's arm.", "split": "train", "in_random": True, "in_enriched": False, "inclusion_probability": 0.1},
        {"id": "s2", "prompt": "The knight drew his sword.", "completion": "He sheathed it again.", "split": "test", "in_random": False, "in_enriched": True, "inclusion_probability": 0.4},
    ]
    (folder / "snippets.jsonl").write_text("".join(json.dumps(s) + "\n" for s in snippets))
    for labeler, rows in labels.items():
        (folder / "labels" / f"{labeler}.jsonl").write_text("".join(json.dumps({"labeler": labeler, "labeled_at": "2026-12-07T22:00:00+00:00", "note": "", **r}) + "\n" for r in rows))
    return folder


FIRST = [{"id": "s1", "label": 1, "category": "direct_harm", "unsure": False, "order": 1}, {"id": "s2", "label": 0, "category": "benign", "unsure": False, "order": 1}]


def test_round_builds_consensus_and_refuses_unsettled_disagreements(tmp_path):
    second = [{"id": "s2", "label": 1, "category": "implied_harm", "unsure": True, "order": 2}]
    folder = _round(tmp_path, {"reader-a": FIRST, "reader-b": second})
    with pytest.raises(DataError, match="third reader"):
        build_round(folder)
    (folder / "labels" / "reader-c.jsonl").write_text(json.dumps({"id": "s2", "label": 0, "category": "benign", "unsure": False, "order": 3, "labeler": "reader-c", "note": ""}) + "\n")
    assert build_round(folder) == {"snippets": 2, "labeled": 2}
    rows = {json.loads(line)["id"]: json.loads(line) for line in (folder / "labeled.jsonl").read_text().splitlines()}
    assert rows["s2"]["label"] == 0 and rows["s2"]["consensus"] == "third reader" and len(rows["s2"]["labels"]) == 3
    assert [r.label for r in load_labeled_jsonl(folder / "labeled.jsonl")] == [1, 0]


def test_bad_answers_are_refused_with_file_and_line(tmp_path):
    bad = [FIRST[0], {"id": "s2", "label": 0, "category": "benign", "unsure": True, "order": 1}]
    with pytest.raises(DataError, match=r"reader-a.jsonl:2: an unsure answer is labeled 1"):
        build_round(_round(tmp_path, {"reader-a": bad}))


def test_import_keeps_every_label_and_the_inclusion_probability_all_or_nothing(tmp_path):
    folder = _round(tmp_path, {"reader-a": FIRST})
    build_round(folder)
    store = open_store(f"sqlite:///{tmp_path / 'u.db'}")
    rows = store_rows(folder)
    assert store.add_labeled_snippets(rows) == 2
    stored = store.snippets_by_source("generated:round-9")
    assert [s["label"] for s in stored] == [1, 0]
    with store.session() as session:
        from unscathed.store.schema import LabelRecord, SnippetRecord

        snippet = session.query(SnippetRecord).filter_by(split="test").one()
        assert (snippet.selection_strategy, snippet.selection_probability) == ("enriched", 0.4)
        label = session.query(LabelRecord).filter_by(snippet_id=snippet.id).one()
        assert label.labeler == "reader-a" and label.created_at.hour == 22
    broken = rows + [{**rows[0], "labels": [{"labeler": "x"}]}]  # no label: the whole import fails
    with pytest.raises(KeyError):
        store.add_labeled_snippets(broken)
    assert len(store.snippets_by_source("generated:round-9")) == 2


def test_selection_strategy_names_every_draw_and_the_active_reason():
    from unscathed.labels.rounds import selection_strategy

    assert selection_strategy({"in_random": True, "in_enriched": False, "in_test": True}) == "random+test"
    assert selection_strategy({"in_random": False, "in_enriched": True, "selection_reason": "accepted_prone"}) == "enriched>active:accepted_prone"


def test_a_chunk_shows_labelers_only_the_text_and_the_references_keep_all_but_the_prompt(tmp_path):
    import json

    from unscathed.labels.rounds import write_chunk

    rows = [{"id": "r9-00000", "prompt": "P", "completion": "C", "scores": [0.3], "inclusion_probability": 0.1}]
    with (tmp_path / "snippets.jsonl").open("w") as refs:
        write_chunk(tmp_path / "chunk-000.jsonl", rows, refs)
    assert [json.loads(line) for line in (tmp_path / "chunk-000.jsonl").read_text().splitlines()] == [{"id": "r9-00000", "prompt": "P", "completion": "C"}]
    assert [json.loads(line) for line in (tmp_path / "snippets.jsonl").read_text().splitlines()] == [{"id": "r9-00000", "completion": "C", "scores": [0.3], "inclusion_probability": 0.1}]
