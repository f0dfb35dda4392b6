"""Planted weak models for attack tests: a tiny classifier trained here to fire on one word, and a tiny
generator with a word-level vocabulary (so it can propose whole words)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from unscathed.models.classifier import HFClassifier
from unscathed.models.generator import HFGenerator
from unscathed.snippet import Snippet

TRIGGER = "bled"
NEUTRAL = "the a he she they it was ran hit cut fell sword knight dragon door sky blue happy sad and smiled".split()
PROMPT = "the knight ran to the door ."


def planted_sentences(n: int, seed: int) -> list[tuple[str, int]]:
    """Random sentences of neutral words; half have the trigger word somewhere (label 1), half do not."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(NEUTRAL) for _ in range(rng.randint(4, 9))]
        label = i % 2
        if label:
            words.insert(rng.randrange(len(words) + 1), TRIGGER)
        rows.append((" ".join(words) + " .", label))
    return rows


@pytest.fixture(scope="session")
def planted_classifier_dir(tiny_encoder_dir, tmp_path_factory) -> Path:
    """The tiny BERT trained until P(injury) is high exactly when the completion contains ``TRIGGER``."""
    torch.manual_seed(0)
    classifier = HFClassifier.load(tiny_encoder_dir, threshold=0.5)
    model = classifier.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    rows = planted_sentences(512, seed=0)
    for step in range(120):
        batch = random.Random(step).sample(rows, 32)
        snippets = [Snippet(PROMPT, text) for text, _ in batch]
        from unscathed.models.classifier import encode_pairs

        inputs = encode_pairs(classifier.tokenizer, snippets, 64)
        # Label smoothing keeps the logits moderate: a saturated model has no useful gradient for HotFlip.
        loss = torch.nn.functional.cross_entropy(model(**inputs).logits, torch.tensor([y for _, y in batch]), label_smoothing=0.2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    path = tmp_path_factory.mktemp("planted-classifier")
    classifier.model.eval()
    classifier.save(path)
    return path


@pytest.fixture
def planted_classifier(planted_classifier_dir) -> HFClassifier:
    return HFClassifier.load(planted_classifier_dir)


@pytest.fixture(scope="session")
def word_generator(tmp_path_factory) -> HFGenerator:
    """A tiny random Llama whose byte-level BPE vocabulary holds whole words with their leading space."""
    torch.manual_seed(0)
    bpe = ByteLevelBPETokenizer()
    corpus = [text for text, _ in planted_sentences(400, seed=1)] + [PROMPT]
    bpe.train_from_iterator(corpus, vocab_size=400, min_frequency=1, special_tokens=["<pad>", "<s>", "</s>"])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, pad_token="<pad>", bos_token="<s>", eos_token="</s>")
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256, pad_token_id=0, bos_token_id=1, eos_token_id=2)
    path = tmp_path_factory.mktemp("word-generator")
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return HFGenerator.from_pretrained(path, name="word-generator")


def injurious_snippet() -> Snippet:
    return Snippet(PROMPT, "the dragon hit he and he bled and fell .")
