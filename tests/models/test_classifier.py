import numpy as np
import pytest

from unscathed.models.classifier import HFClassifier, NotAClassifierError, encode_pairs
from unscathed.snippet import Snippet


def test_scores_are_probabilities_one_per_snippet(tiny_classifier):
    scores = tiny_classifier.score([Snippet("the knight ran", "he fell"), Snippet("", "she smiled"), Snippet("a", "b")] * 15)
    assert scores.shape == (45,)
    assert np.all((scores >= 0) & (scores <= 1))


def test_batching_does_not_change_scores(tiny_classifier):
    snippets = [Snippet("the knight ran " * k, "he hurt the dragon") for k in range(1, 10)]
    tiny_classifier.batch_size = 4
    a = tiny_classifier.score(snippets)
    tiny_classifier.batch_size = 1
    assert np.allclose(a, tiny_classifier.score(snippets), atol=1e-5)


def test_truncation_keeps_completion_and_cuts_prompt_from_left(tiny_classifier):
    tok = tiny_classifier.tokenizer
    prompt = " ".join(["sky"] * 200 + ["dragon"])
    batch = encode_pairs(tok, [Snippet(prompt, "he bled")], max_length=16)
    tokens = tok.convert_ids_to_tokens(batch["input_ids"][0])
    assert len(tokens) == 16
    assert tokens[-4:] == ["[SEP]", "he", "bled", "[SEP]"]
    assert "dragon" in tokens  # the end of the prompt is kept


def test_empty_prompt_scores_completion_alone(tiny_classifier):
    batch = encode_pairs(tiny_classifier.tokenizer, [Snippet("", "he bled")], max_length=16)
    tokens = tiny_classifier.tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
    assert tokens == ["[CLS]", "he", "bled", "[SEP]"]


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(NotAClassifierError, match="does not exist"):
        HFClassifier.load(tmp_path / "nope")


def test_directory_without_model_is_not_a_classifier(tmp_path):
    with pytest.raises(NotAClassifierError, match="no config.json"):
        HFClassifier.load(tmp_path)


def test_plain_hf_dir_needs_a_threshold(tiny_encoder_dir):
    with pytest.raises(NotAClassifierError, match="threshold"):
        HFClassifier.load(tiny_encoder_dir)


def test_causal_lm_dir_is_not_a_two_label_classifier(tiny_generator_dir):
    # A decoder loads with a fresh 2-label head in transformers; a generator dir must not be mistaken for a
    # trained classifier, so without metadata it needs an explicit threshold.
    with pytest.raises(NotAClassifierError):
        HFClassifier.load(tiny_generator_dir)


def test_save_and_load_round_trip_keeps_scores_and_version(tiny_classifier, tmp_path):
    snippets = [Snippet("the knight", "he hurt it")]
    before = tiny_classifier.score(snippets)
    tiny_classifier.metadata.threshold = 0.3
    tiny_classifier.save(tmp_path / "clf")
    loaded = HFClassifier.load(tmp_path / "clf")
    assert loaded.threshold == 0.3
    assert loaded.version == tiny_classifier.version and len(loaded.version) == 12
    assert np.allclose(before, loaded.score(snippets), atol=1e-6)
