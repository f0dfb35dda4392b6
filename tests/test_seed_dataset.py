"""The seed dataset in data/seed/ is what every classifier starts from: check it is what it claims to be."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"
INJURIOUS = {"direct_harm", "death", "implied_harm", "accident", "self_harm", "revealed_injury", "worsened_injury", "minor_harm", "certain_harm", "nonhuman_victim"}
NOT_INJURIOUS = {"existing_injury", "non_being", "threat_or_plan", "miss_or_block", "dream_or_hypothetical", "game_or_sport", "figurative", "emotional_pain", "illness_or_fatigue", "medical_procedure"}
FIELDS = {"id", "prompt_id", "prompt", "completion", "label", "category", "source", "genre", "generator", "labeler", "unsure", "second_labeler", "second_label", "settled_by", "split", "note", "v1_label", "v2_labels"}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return [json.loads(line) for line in (SEED / "snippets.jsonl").open(encoding="utf-8")]


def test_schema_and_values(rows):
    for r in rows:
        assert set(r) == FIELDS, r["id"]
        assert r["label"] in (0, 1) and r["split"] in ("train", "validation", "test")
        assert r["prompt"].strip() and r["completion"].strip() and r["labeler"]
        assert r["category"] in (INJURIOUS if r["label"] == 1 else NOT_INJURIOUS | {"benign"}), r["id"]
        if r["source"] == "generated":
            assert r["generator"]["name"] == "SmolLM2-135M" and "temperature" in r["generator"]["settings"] and r["genre"]
        else:
            assert r["source"] == "written" and r["generator"] is None
    assert len({r["id"] for r in rows}) == len(rows)


def test_size_and_label_balance(rows):
    assert len(rows) >= 3000
    assert sum(r["source"] == "generated" for r in rows) >= 1500
    assert sum(r["label"] for r in rows) / len(rows) >= 0.35


def test_every_rule_has_at_least_60_examples(rows):
    counts = collections.Counter(r["category"] for r in rows)
    short = {c: counts[c] for c in INJURIOUS | NOT_INJURIOUS if counts[c] < 60}
    assert not short


def test_splits_are_disjoint_by_prompt(rows):
    for key in ("prompt_id", "prompt"):
        splits = collections.defaultdict(set)
        for r in rows:
            splits[r[key]].add(r["split"])
        assert all(len(s) == 1 for s in splits.values()), key
    sizes = collections.Counter(r["split"] for r in rows)
    assert sizes["test"] >= 300 and sizes["validation"] >= 300


def test_generated_completions_come_from_team_prompts_with_several_completions_each(rows):
    prompts = {json.loads(line)["prompt_id"]: json.loads(line) for line in (SEED / "prompts.jsonl").open(encoding="utf-8")}
    generated = [r for r in rows if r["source"] == "generated"]
    assert all(r["prompt_id"] in prompts and prompts[r["prompt_id"]]["prompt"] == r["prompt"] for r in generated)
    per_prompt = collections.Counter(r["prompt_id"] for r in generated)
    assert sum(per_prompt.values()) / len(per_prompt) >= 3
    assert len({p["genre"] for p in prompts.values()}) >= 10


def test_second_labels_cover_a_fifth_and_disagreements_are_settled(rows):
    doubled = [r for r in rows if r["second_label"] is not None]
    assert len(doubled) >= 0.2 * len(rows)
    for r in doubled:
        if r["v2_labels"]:  # re-read under spec v2: the v2 consensus decides (test below)
            continue
        if r["second_label"] != r["label"] or r["settled_by"]:
            # every disagreement names who settled it; a settled row keeps a note of why
            assert r["settled_by"] and "adjudicated" in r["note"], r["id"]
    assert all(r["second_labeler"] != r["labeler"] for r in doubled)


def test_generated_positives_and_unsure_rows_were_reread_under_spec_v2(rows):
    """Spec v2: every generated row labeled 1 or unsure under v1 was read again by two blind readers (a third on
    disagreement); the consensus is the label, the v1 label is kept beside it."""
    for r in rows:
        if r["source"] != "generated" or not r["v2_labels"]:
            assert r["source"] == "written" or not (r["label"] == 1 or r["unsure"]), r["id"]
            continue
        readers = r["v2_labels"]
        assert len(readers) >= 2 and len({a["labeler"] for a in readers}) == len(readers), r["id"]
        votes = [a["label"] for a in readers[:3]]
        assert r["label"] == (votes[0] if votes[0] == votes[1] else int(sum(votes) >= 2)), r["id"]
        assert not r["unsure"] or r["label"] == 1, r["id"]
