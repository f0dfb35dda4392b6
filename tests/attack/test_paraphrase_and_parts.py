"""Paraphrase augmentation with scripted models, and the small parts: edits, spans, character edits."""

from __future__ import annotations

import pytest

from unscathed.attack.goal import Edit
from unscathed.attack.paraphrase import FEW_SHOT, paraphrase, paraphrase_prompt
from unscathed.attack.queue import paraphrase_rows
from unscathed.attack.transformations import CharEdits, WordDelete, shift_span, word_spans
from unscathed.snippet import Snippet


def test_paraphrase_prompt_ends_with_the_completion_to_rewrite():
    prompt = paraphrase_prompt("He bled.")
    assert prompt.endswith("Sentence: He bled.\nRewrite:") and all(a in prompt for a, _ in FEW_SHOT)


def test_only_accepted_distinct_rewrites_are_kept(tmp_path):
    from tests.conftest import KeywordScorer, ScriptedGenerator  # noqa: PLC0415 (root fixtures module)

    generator = ScriptedGenerator(["He was hurt badly.", "He was fine.", "He was fine.", "He bled."])
    scorer = KeywordScorer()
    kept = paraphrase(generator, scorer, [Snippet("p", "He bled.")], n=4)
    assert [k.text for k in kept] == ["He was fine."]  # hurt: rejected; duplicate and the original: dropped
    rows = paraphrase_rows(kept, "scripted", scorer.version, scorer.threshold, 2)
    assert rows[0]["source"] == "paraphrase" and rows[0]["provenance"]["original"]["completion"] == "He bled."
    assert "label" not in rows[0]


def test_edit_apply_checks_the_text_it_edits():
    assert Edit("swap", 3, 6, "cut", "hit").apply("he cut it") == "he hit it"
    with pytest.raises(ValueError, match="does not match"):
        Edit("swap", 0, 2, "xx", "y").apply("he cut it")


def test_shift_span_follows_edits_before_and_drops_touched_words():
    text = "he cut the rope"
    spans = word_spans(text)
    delete = WordDelete().edits(Snippet("", text), *spans[1])[0]
    after = delete.apply(text)
    assert after == "he the rope"
    moved = [shift_span(s, delete) for s in spans]
    assert moved[1] is None and [after[s:e] for s, e in (moved[0], moved[2], moved[3])] == ["he", "the", "rope"]
    insert = Edit("insert", 3, 3, "", "then ")
    assert shift_span((3, 6), insert) == (8, 11) and shift_span((0, 2), insert) == (0, 2)


def test_char_edits_change_one_word_and_are_reproducible():
    snippet = Snippet("", "the sword bled")
    first = CharEdits(seed=1).edits(snippet, 4, 9)
    assert first == CharEdits(seed=1).edits(snippet, 4, 9)
    assert first and all(e.before == "sword" and e.after != "sword" and e.after[0] == "s" for e in first)
    assert CharEdits().edits(snippet, 0, 3) and not CharEdits().edits(Snippet("", "he ran"), 0, 2)


def test_masked_lm_proposer_proposes_whole_words(tiny_encoder_dir, tmp_path):
    import shutil

    import torch
    from transformers import BertConfig, BertForMaskedLM

    from unscathed.attack.proposers import MaskedLMProposer

    for name in ("vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"):
        if (tiny_encoder_dir / name).exists():
            shutil.copy(tiny_encoder_dir / name, tmp_path / name)
    torch.manual_seed(0)
    vocab = len((tiny_encoder_dir / "vocab.txt").read_text().split())
    BertForMaskedLM(BertConfig(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2)).save_pretrained(tmp_path)
    words = MaskedLMProposer(tmp_path).propose(Snippet("the knight ran", "the dragon bled"), 11, 15, 5)
    assert 1 <= len(words) <= 5 and all(w.isalpha() and w != "bled" and not w.startswith("##") for w in words)
