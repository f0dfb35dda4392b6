"""Corpus windows are referenced, not copied, resolve back to the same text, and split by whole story."""

from __future__ import annotations

import pytest

from unscathed.corpus_windows import TEST_BOOKS, reference, resolve_prompt, split_of_story, training_windows, violence_prone


@pytest.fixture
def corpora(tmp_path, monkeypatch):
    (tmp_path / "gutenberg").mkdir()
    (tmp_path / "gutenberg" / "treasure-island.txt").write_text("One. Two came. Three went. Four here. Five there. Six now.")
    (tmp_path / "fairytaleqa_sentences_train.csv").write_text('document_id,text\nfox,"The fox ran."\nfox,"It hid."\nfox,"The hen sat."\n')
    (tmp_path / "sherlock_holmes_adventures.txt").write_text("Evaluation only. Never a training window. Really not.")
    monkeypatch.setenv("UNSCATHED_CORPORA", str(tmp_path))
    return tmp_path


def test_windows_come_from_training_files_only_and_resolve_from_their_reference(corpora):
    windows = training_windows()
    assert {w.source for w in windows} == {"gutenberg/treasure-island.txt", "fairytaleqa_sentences_train.csv"}
    for w in windows:
        assert resolve_prompt(reference(w)) == w.prompt


def test_a_changed_corpus_is_caught_by_the_hash(corpora):
    ref = reference(training_windows()[0])
    with pytest.raises(ValueError, match="no longer matches"):
        resolve_prompt({**ref, "first_sentence": ref["first_sentence"] + 1})


def test_held_out_books_are_test_and_every_window_of_a_story_shares_a_split():
    assert split_of_story("gutenberg/treasure-island.txt", TEST_BOOKS[0]) == "test"
    assert split_of_story("fairytaleqa_sentences_train.csv", "fox") == split_of_story("fairytaleqa_sentences_train.csv", "fox")


def test_violence_prone_needs_two_cues():
    assert violence_prone("He drew his sword and the battle began.")
    assert not violence_prone("She drew a picture of the sword.")
