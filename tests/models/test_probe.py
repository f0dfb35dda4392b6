"""The probe classifier: windowed hidden-state features, a most-injurious-window score, training and loading."""

from __future__ import annotations

import random

import numpy as np
import pytest

from unscathed.labeled_data import LabeledSnippet
from unscathed.models.loading import load_classifier
from unscathed.models.probe import ProbeClassifier, ProbeHead, max_by_owner
from unscathed.models.probe_features import FeatureSettings, window_features, window_spans
from unscathed.probe_train import ProbeTrainConfig, one_positive_per_prompt, split_validation, train_probe
from unscathed.snippet import Snippet

SMALL = FeatureSettings(layers=(1, 2), window=16, stride=8, max_prompt_tokens=40, piece=64, context=24)


@pytest.mark.parametrize("length", [1, 15, 16, 17, 40, 100])
def test_window_spans_cover_every_token(length):
    spans = window_spans(length, 16, 8)
    covered = set().union(*(range(a, b) for a, b in spans))
    assert covered == set(range(length)) and all(b - a <= 16 for a, b in spans)


def test_long_completions_are_read_whole_in_pieces(tiny_generator_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_generator_dir), AutoTokenizer.from_pretrained(tiny_generator_dir)
    # character tokens: " he bled. the sk" is exactly one window of 16, the first window of the long completion
    short, long_ = Snippet("A tale.", "he bled. the sk"), Snippet("A tale.", "he bled. " + "the sky was blue and happy. " * 10)
    feats, owners = window_features(model, tokenizer, [short, long_], SMALL)
    assert (owners == 0).sum() == 1 and (owners == 1).sum() > 20  # 280 characters in windows of 16 every 8
    assert feats.shape[1] == 2 * len(SMALL.layers) * model.config.hidden_size
    # the long snippet's first window is the short one's window (same tokens, same causal context)
    np.testing.assert_allclose(feats[owners == 0][0], feats[owners == 1][0], atol=1e-5)


def test_reading_each_prompt_once_gives_the_features_of_one_plain_pass_per_snippet(tiny_generator_dir):
    """Candidates of one prompt share its keys and values; each window must still see exactly its own context."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from unscathed.models.probe_features import encode_snippet, hidden_states

    model, tokenizer = AutoModelForCausalLM.from_pretrained(tiny_generator_dir).eval(), AutoTokenizer.from_pretrained(tiny_generator_dir)
    snippets = [Snippet("The knight rode out.", "he bled."), Snippet("The knight rode out.", "the sky was blue and the fields were green all day."),
                Snippet("Another tale.", "she smiled."), Snippet("The knight rode out.", ""), Snippet("", "he fell and broke his arm.")]
    feats, owners = window_features(model, tokenizer, snippets, SMALL, batch_size=2)
    for k, snippet in enumerate(snippets):
        prompt, completion = encode_snippet(tokenizer, snippet, SMALL.max_prompt_tokens)
        ids = torch.tensor([prompt + completion])
        with torch.no_grad():  # one plain pass over the whole text, no cache (block outputs, as the probe reads them)
            layers = torch.stack([h[0] for h in hidden_states(model, ids, torch.ones_like(ids), SMALL.layers)])  # (L, T, H)
        spans = [(len(prompt) + a, len(prompt) + b) for a, b in window_spans(len(completion), SMALL.window, SMALL.stride)] if completion else [(len(prompt) - 1, len(prompt))]
        expected = np.stack([torch.cat([layers[:, a:b].mean(1), layers[:, a:b].amax(1)], -1).flatten().numpy() for a, b in spans])
        np.testing.assert_allclose(feats[owners == k], expected, atol=1e-4)


def test_score_is_the_most_injurious_window_so_a_harmless_tail_cannot_hide_an_injury():
    values = np.array([0.1, 0.9, 0.2, 0.3])
    assert max_by_owner(values, np.array([0, 0, 0, 1]), 2).tolist() == [0.9, 0.3]
    with pytest.raises(RuntimeError):
        max_by_owner(values, np.array([0, 0, 0, 0]), 2)  # snippet 1 unscored: fail closed


def _rows(n_prompts: int, split: str, rng: random.Random) -> list[LabeledSnippet]:
    rows = []
    for k in range(n_prompts):
        prompt = f"the knight {k} and the dragon ran."
        rows.append(LabeledSnippet(prompt, rng.choice(["he bled and fell.", "she was cut and hurt.", "it hit him, he bled."]), 1, split))
        rows.append(LabeledSnippet(prompt, rng.choice(["she smiled at the sky.", "they were happy.", "the sky was blue."]), 0, split))
    return rows


def test_trained_probe_separates_saves_and_loads_with_a_calibrated_threshold(tiny_generator_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("UNSCATHED_CACHE", str(tmp_path / "cache"))
    rng = random.Random(0)
    rows = _rows(40, "train", rng) + _rows(160, "validation", rng) + _rows(20, "test", rng)
    probe = train_probe(rows, tmp_path / "probe", ProbeTrainConfig(backbone=str(tiny_generator_dir), hidden=16, epochs=15, target_recall=0.9), SMALL)
    assert probe.metadata.validation_metrics["test"]["auc"] > 0.95
    loaded = load_classifier(str(tmp_path / "probe"))
    assert isinstance(loaded, ProbeClassifier) and loaded.version == probe.version and loaded.threshold == probe.threshold
    snippets = [Snippet("the knight and the dragon ran.", "he bled and fell."), Snippet("the knight and the dragon ran.", "they were happy.")]
    np.testing.assert_allclose(loaded.score(snippets), probe.score(snippets), atol=1e-6)
    assert loaded.score(snippets)[0] >= loaded.threshold > loaded.score(snippets)[1]


def test_calibration_uses_one_injurious_completion_per_prompt():
    rows = [LabeledSnippet("p1", f"c{i}", 1) for i in range(5)] + [LabeledSnippet("p2", "x", 1), LabeledSnippet("p2", "y", 0)]
    scores, labels = one_positive_per_prompt(rows, np.arange(7, dtype=float), seed=0)
    assert labels.tolist().count(1) == 2 and labels.tolist().count(0) == 1


def test_selection_and_calibration_halves_share_no_prompt():
    rows = [LabeledSnippet(f"p{k % 30}", f"c{k}", k % 2) for k in range(200)]
    selection, calibration = split_validation(rows)
    assert selection and calibration and {r.prompt for r in selection}.isdisjoint({r.prompt for r in calibration})


@pytest.mark.parametrize("hidden", [False, True])
def test_head_round_trips_through_tensors(hidden):
    extra = (np.arange(6.0).reshape(3, 2) / 10, np.array([0.1, -0.2])) if hidden else ()
    head = ProbeHead(np.ones(3), np.full(3, 2.0), np.array([1.0, -1.0, 0.5])[: 2 if hidden else 3], 0.25, *extra)
    again = ProbeHead.from_tensors(head.tensors())
    x = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(again.logits(x), head.logits(x))


def test_logistic_regression_head_still_trains(tiny_generator_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("UNSCATHED_CACHE", str(tmp_path / "cache"))
    rng = random.Random(2)
    rows = _rows(40, "train", rng) + _rows(160, "validation", rng) + _rows(20, "test", rng)
    probe = train_probe(rows, tmp_path / "probe", ProbeTrainConfig(backbone=str(tiny_generator_dir), hidden=0, l2_grid=(1e-2,), target_recall=0.9), SMALL)
    assert probe.head.hidden_weight is None and probe.metadata.validation_metrics["test"]["auc"] > 0.95


def test_red_team_tools_work_on_a_probe(tiny_generator_dir, tmp_path, monkeypatch):
    from unscathed.attack.saliency import rank_substitutions, token_saliency

    monkeypatch.setenv("UNSCATHED_CACHE", str(tmp_path / "cache"))
    rng = random.Random(1)
    rows = _rows(30, "train", rng) + _rows(120, "validation", rng)
    probe = train_probe(rows, tmp_path / "probe", ProbeTrainConfig(backbone=str(tiny_generator_dir), l2_grid=(1e-2,), target_recall=0.9), SMALL)
    snippet = Snippet("the knight ran.", "he bled and fell.")
    saliency = token_saliency(probe, snippet)
    assert [t.token for t in saliency] == ["he", "bled", "and", "fell."]
    assert all(snippet.completion[t.start : t.end] == t.token for t in saliency)
    class Words:  # the tiny model's character vocabulary proposes no whole words; rank these instead
        def propose(self, snippet, start, end, k):
            return ["smiled", "sang", "bled"]

    ranked = rank_substitutions(probe, snippet, 3, 7, k=3, proposer=Words())
    assert [s.replacement for s in ranked] != [] and [s.p_injury for s in ranked] == sorted(s.p_injury for s in ranked)
    assert rank_substitutions(probe, snippet, 3, 7, k=3) is not None  # the default proposer: the probe's own backbone


def test_hidden_states_stop_at_the_deepest_probe_layer_and_match_a_full_pass(tiny_generator_dir):
    import torch
    from transformers import AutoModelForCausalLM

    from unscathed.models.probe_features import hidden_states

    model = AutoModelForCausalLM.from_pretrained(tiny_generator_dir).eval()
    ids, mask = torch.tensor([[5, 6, 7, 8, 0]]), torch.tensor([[1, 1, 1, 1, 0]])
    with torch.inference_mode():
        full = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        early = hidden_states(model, ids, mask, (1,))
        both = hidden_states(model, ids, mask, (1, 2))
    torch.testing.assert_close(early[0][:, :4], full[1][:, :4])
    # Hugging Face reports the last block's output after the final norm; the hook reads it before
    torch.testing.assert_close(model.get_decoder().norm(both[1])[:, :4], full[2][:, :4], atol=1e-5, rtol=1e-4)
    ours = [h for layer in model.get_decoder().layers for h in layer._forward_hooks.values() if "hidden_states.<locals>" in h.__qualname__]
    assert ours == []  # removed after use
