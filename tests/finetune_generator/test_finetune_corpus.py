"""Training text comes from the training corpora only, cut into blocks per document."""

from __future__ import annotations

import pytest

from unscathed.finetune_generator.corpus import EVALUATION_ONLY, Document, read_document_file, token_blocks, training_documents


def _corpora(root, with_evaluation: bool = False):
    (root / "gutenberg").mkdir(parents=True)
    (root / "gutenberg" / "book.txt").write_text("Line one of\na wrapped paragraph.\n\nSecond paragraph.\n")
    (root / "fairytaleqa_sentences_train.csv").write_text('document_id,text\nfox,"The fox ran."\nfox,"It hid."\nhen,"The hen sat."\n')
    if with_evaluation:
        (root / "sherlock_holmes_adventures.txt").write_text("Evaluation only.")


def test_books_are_unwrapped_and_stories_joined_by_id(tmp_path):
    _corpora(tmp_path)
    docs = {d.doc_id: d for d in training_documents(tmp_path)}
    assert docs["book"].text == "Line one of a wrapped paragraph.\n\nSecond paragraph."
    assert docs["fox"].text == "The fox ran. It hid." and docs["hen"].source == "fairytaleqa_sentences_train.csv"


def test_evaluation_only_files_are_never_training_text(tmp_path):
    _corpora(tmp_path, with_evaluation=True)
    assert {d.source for d in training_documents(tmp_path)}.isdisjoint(EVALUATION_ONLY)


def test_excluded_documents_are_left_out(tmp_path):
    _corpora(tmp_path)
    assert "fox" not in {d.doc_id for d in training_documents(tmp_path, exclude=["fox"])}


def test_a_csv_without_the_columns_names_the_file(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("story,sentence\na,b\n")
    with pytest.raises(ValueError, match="x.csv:1"):
        read_document_file(bad)


def test_blocks_never_cross_documents(tiny_generator_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_generator_dir)
    blocks = token_blocks([Document("a", "s", "x" * 25), Document("b", "s", "y" * 10)], tokenizer, 8)
    assert [b.doc_id for b in blocks] == ["a", "a", "a", "b"]
    assert all(len(b.input_ids) == 8 for b in blocks)
