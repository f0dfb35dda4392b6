"""Shared fixtures: tiny random-weight models built from configs (no downloads), and fakes."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from unscathed.config import SamplingSettings
from unscathed.models.classifier import ClassifierMetadata, HFClassifier
from unscathed.snippet import Completion, Snippet

WORDS = "the a he she they it was ran hit cut fell sword knight dragon door sky blue happy sad and . ! ? , bled smiled hurt".split()


def _char_tokenizer() -> PreTrainedTokenizerFast:
    """Character-level tokenizer: every printable character is a token, so any text round-trips."""
    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}
    for ch in string.printable:
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>")


@pytest.fixture(scope="session")
def tiny_generator_dir(tmp_path_factory) -> Path:
    """A tiny random Llama causal LM with a character tokenizer, saved like a real model directory."""
    torch.manual_seed(0)
    tokenizer = _char_tokenizer()
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256, pad_token_id=0, bos_token_id=1, eos_token_id=2)
    model = LlamaForCausalLM(config)
    path = tmp_path_factory.mktemp("tiny-generator")
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory) -> Path:
    """A tiny random BERT sequence classifier (2 labels) with a small WordPiece vocabulary."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("tiny-encoder")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *string.ascii_lowercase, *("##" + c for c in string.ascii_lowercase)]
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n")
    tokenizer = BertTokenizer(vocab=str(path / "vocab.txt"))
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=128, num_labels=2)
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture
def tiny_classifier(tiny_encoder_dir) -> HFClassifier:
    return HFClassifier.load(tiny_encoder_dir, threshold=0.5)


class ScriptedGenerator:
    """Returns completions from a fixed list, in order, cycling; counts the calls."""

    name = "scripted"

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.drawn = 0
        self.calls = 0

    def sample(self, prompts: Sequence[str], n: int, settings: SamplingSettings) -> list[list[Completion]]:
        self.calls += 1
        out = []
        for _ in prompts:
            row = []
            for _ in range(n):
                row.append(Completion(self.texts[self.drawn % len(self.texts)], (-1.0,)))
                self.drawn += 1
            out.append(row)
        return out


class KeywordScorer:
    """A stand-in classifier: P(injury) is 0.9 if the completion contains 'hurt' or 'bled', else 0.1."""

    version = "keyword-test"
    threshold = 0.5

    def __init__(self) -> None:
        self.scored = 0

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        self.scored += len(snippets)
        return np.array([0.9 if ("hurt" in s.completion or "bled" in s.completion) else 0.1 for s in snippets])


def toy_rows(n: int = 96):
    """Labeled snippets a tiny classifier can learn: odd rows injurious, with prompts of varied length."""
    from unscathed.labeled_data import LabeledSnippet

    hurt = ["he bled", "she was hurt", "the sword cut him", "he fell and bled"]
    fine = ["she smiled", "they ran home", "the sky was blue", "he was happy"]
    return [LabeledSnippet(f"the knight {'sword ' * (i % 7)}ran", (hurt if i % 2 else fine)[i % 4], i % 2) for i in range(n)]


@pytest.fixture
def one_thread():
    """One torch thread for a test: on a shared 2-core machine, more threads only spin-wait on tiny ops."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test starts."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
