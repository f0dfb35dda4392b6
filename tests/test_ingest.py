import json

import pytest

from unscathed.ingest import ingest, split_sentences
from unscathed.labeled_data import DataError


def test_split_sentences_handles_quotes_and_titles():
    text = 'Mr. Holmes sat. "Who is it?" asked Watson. It was late!  The end.'
    assert split_sentences(text) == ["Mr. Holmes sat.", '"Who is it?" asked Watson.', "It was late!", "The end."]


def test_csv_rows_are_joined_per_story_and_windowed(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("document_id,text\n" + "".join(f"s{i // 7},Sentence {i} here.\n" for i in range(14)))
    prompts = ingest(path, size=3, story_column="document_id")
    assert {w.story_id for w in prompts} == {"s0", "s1"}
    assert len(prompts) == 4  # 7 sentences -> windows at 0 and 3 in each story
    assert prompts[0].prompt == "Sentence 0 here. Sentence 1 here. Sentence 2 here."


def test_text_corpus_split_into_stories_by_pattern(tmp_path):
    path = tmp_path / "book.txt"
    path.write_text("STORY ONE\nA b c. D e f. G h i.\nSTORY TWO\nJ k. L m. N o. P q.\n")
    prompts = ingest(path, size=2, story_pattern=r"^STORY ")
    assert {w.story_id for w in prompts} == {"book-0", "book-1"}


def test_jsonl_missing_field_names_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps({"story_id": 1, "text": "A. B. C."}) + "\n" + json.dumps({"story_id": 2}) + "\n")
    with pytest.raises(DataError, match="s.jsonl:2"):
        ingest(path)


def test_csv_without_story_column_is_a_clear_error(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,text\n1,Hi.\n")
    with pytest.raises(DataError, match="lacks column"):
        ingest(path)


def test_fairytaleqa_corpus_ingests_by_story():
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[1].parent / "shared/data/corpora/fairytaleqa_sentences_val.csv"
    if not corpus.exists():
        pytest.skip("shared corpora not present")
    prompts = ingest(corpus, story_column="document_id")
    assert len({w.story_id for w in prompts}) > 10
    assert all(len(split_sentences(w.prompt)) >= 3 for w in prompts[:50])
