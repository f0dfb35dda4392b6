import json

import pytest

from unscathed.labeled_data import DataError, LabeledSnippet, load_labeled_jsonl, split_by_prompt


def write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_bad_json_names_file_and_line(tmp_path):
    path = write(tmp_path / "d.jsonl", [json.dumps({"prompt": "p", "completion": "c", "label": 1}), "{not json"])
    with pytest.raises(DataError, match=r"d.jsonl:2: not valid JSON"):
        load_labeled_jsonl(path)


def test_missing_field_names_file_line_and_field(tmp_path):
    path = write(tmp_path / "d.jsonl", ["", json.dumps({"prompt": "p", "label": 1})])
    with pytest.raises(DataError, match=r"d.jsonl:2: missing field\(s\) completion"):
        load_labeled_jsonl(path)


@pytest.mark.parametrize("label", [2, "1", True, None])
def test_label_must_be_zero_or_one(tmp_path, label):
    path = write(tmp_path / "d.jsonl", [json.dumps({"prompt": "p", "completion": "c", "label": label})])
    with pytest.raises(DataError, match="label must be 0 or 1"):
        load_labeled_jsonl(path)


def test_split_by_prompt_keeps_each_prompt_in_one_split():
    rows = [LabeledSnippet(f"prompt {i % 40}", f"c{i}", i % 2) for i in range(400)]
    train, validation, test = split_by_prompt(rows, 0.25, seed=0)
    assert not {r.prompt for r in train} & {r.prompt for r in validation}
    assert len(train) + len(validation) == 400 and test == []


def test_explicit_split_column_is_used():
    rows = [LabeledSnippet("a", "x", 1, "train"), LabeledSnippet("b", "y", 0, "validation"), LabeledSnippet("c", "z", 0, "test")]
    assert [len(part) for part in split_by_prompt(rows, 0.5, 0)] == [1, 1, 1]


def test_labels_can_come_from_the_store(tmp_path):
    from unscathed.labeled_data import load_labeled
    from unscathed.store import open_store

    url = f"sqlite:///{tmp_path / 'u.db'}"
    with pytest.raises(DataError, match="no labeled snippets"):
        load_labeled(url)
    open_store(url).add_labeled_snippets([{"prompt": "p", "completion": "c", "label": 1, "labeler": "ann", "split": "train"}])
    assert load_labeled(url) == [LabeledSnippet("p", "c", 1, "train")]
