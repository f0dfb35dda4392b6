"""Proposers: candidate replacement words for a span of a completion.

A proposer answers "what could stand at completion[start:end]?" with up to ``k`` words, best first. Scoring
the candidates for real is the caller's job (``rank_substitutions``, the search), so a proposer may be cheap
and approximate:
- ``GradientProposer``: the classifier's own embedding matrix ranked by the first-order change in the injury
  log-odds (HotFlip); needs no other model.
- ``GeneratorProposer``: the generator's next-token distribution given the text before the span (BAE and
  TextFooler use a masked LM or synonym embeddings; a causal LM sees only the left context).
- ``MaskedLMProposer``: a masked LM's predictions at a [MASK] put in place of the span, where one is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import torch

from ..models.classifier import HFClassifier
from ..snippet import Snippet
from .gradients import encode_with_offsets, path_gradients


class Proposer(Protocol):
    """Anything that proposes replacement words for ``snippet.completion[start:end]``."""

    def propose(self, snippet: Snippet, start: int, end: int, k: int) -> list[str]:
        """Up to ``k`` candidate words, most promising first; never the span's current text."""
        ...


def check_span(completion: str, start: int, end: int, allow_empty: bool = False) -> None:
    """Raise ``ValueError`` unless ``[start, end)`` is a span of ``completion`` (empty only if allowed)."""
    if not 0 <= start <= end <= len(completion) or (start == end and not allow_empty):
        raise ValueError(f"span [{start}, {end}) is not a {'' if allow_empty else 'non-empty '}span of a completion of {len(completion)} characters")


def match_case(original: str, word: str) -> str:
    """``word`` capitalised like ``original`` (uncased vocabularies propose lower-case words)."""
    if original[:1].isupper() and word[:1].islower():
        return word[:1].upper() + word[1:]
    return word


def keep_words(tokens: list[str], original: str, k: int) -> list[str]:
    """The first ``k`` distinct alphabetic candidates that differ from ``original`` (case-insensitively)."""
    seen = {original.strip().lower()}
    kept = []
    for token in tokens:
        word = token.strip()
        if not word.isalpha() or word.lower() in seen:
            continue
        seen.add(word.lower())
        kept.append(match_case(original, word))
        if len(kept) == k:
            break
    return kept


class GradientProposer:
    """HotFlip's ranking: replacing token embedding e_t by e_v changes the log-odds by about (e_v - e_t)·g,
    where g is the gradient at the span's tokens (averaged when the span covers several word pieces).

    g is averaged along the path from a zeroed completion (``path_gradients``), not taken at the input only
    as in HotFlip: on a confident classifier the gradient at the input is saturated noise.
    """

    def __init__(self, classifier: HFClassifier, steps: int = 8) -> None:
        self.classifier, self.steps = classifier, steps
        vocab = classifier.tokenizer.convert_ids_to_tokens(list(range(len(classifier.tokenizer))))
        special = set(classifier.tokenizer.all_special_ids)
        # Word-initial pieces only: a '##' continuation cannot stand as a word on its own.
        self.word_ids = torch.tensor([i for i, t in enumerate(vocab) if i not in special and not t.startswith("##")])

    def estimated_changes_many(self, snippet: Snippet, spans: list[tuple[int, int]]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """For each span: (vocabulary ids, first-order change in log-odds if the span became that token),
        lowest change first. One gradient serves every span."""
        for start, end in spans:
            check_span(snippet.completion, start, end)
        encoded = encode_with_offsets(self.classifier, snippet)
        embeddings, gradient, _ = path_gradients(self.classifier, encoded, self.steps)
        table = self.classifier.model.get_input_embeddings().weight.detach()[self.word_ids.to(gradient.device)]
        out = []
        for start, end in spans:
            inside = [p for p, (s, e) in zip(encoded.positions, encoded.offsets) if s < end and e > start]
            if not inside:
                raise ValueError(f"span [{start}, {end}) holds no token the classifier sees (cut by its max_length?)")
            g = gradient[inside].mean(0)
            change = table @ g - (embeddings[inside] * gradient[inside]).sum(-1).mean()
            order = torch.argsort(change)
            out.append((self.word_ids[order.cpu()], change[order].cpu()))
        return out

    def propose(self, snippet: Snippet, start: int, end: int, k: int) -> list[str]:
        [(ids, _)] = self.estimated_changes_many(snippet, [(start, end)])
        # Decode a generous head of the ranking: many top tokens are punctuation or numbers, dropped below.
        tokens = self.classifier.tokenizer.convert_ids_to_tokens(ids[: 20 * k + 50].tolist())
        return keep_words(tokens, snippet.completion[start:end], k)


class GeneratorProposer:
    """Words the generator would write at ``start``, from its next-token distribution after the prompt and
    the completion up to the span. Only single-token words that start a new word are proposed."""

    def __init__(self, generator) -> None:
        self.model, self.tokenizer = generator.model, generator.tokenizer

    @torch.inference_mode()
    def propose(self, snippet: Snippet, start: int, end: int, k: int) -> list[str]:
        check_span(snippet.completion, start, end, allow_empty=True)
        left = (snippet.prompt + " " + snippet.completion[:start]).rstrip()
        ids = self.tokenizer(left, return_tensors="pt")["input_ids"][:, -512:].to(self.model.device)
        logits = self.model(input_ids=ids).logits[0, -1]
        top = torch.topk(logits, min(40 * k + 100, logits.shape[-1])).indices.tolist()
        # A token decoding with a leading space begins a new word; others would glue onto the word before.
        texts = [self.tokenizer.decode([t]) for t in top]
        return keep_words([t for t in texts if t.startswith(" ")], snippet.completion[start:end], k)


class MaskedLMProposer:
    """A masked LM's top predictions for a [MASK] in place of the span (BAE's and BERT-Attack's proposer)."""

    def __init__(self, path: str | Path) -> None:
        from transformers import AutoModelForMaskedLM, AutoTokenizer

        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path} is not a Hugging Face model directory (no config.json)")
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        if self.tokenizer.mask_token is None:
            raise ValueError(f"{path} has no mask token; a masked LM proposer needs one")
        self.model = AutoModelForMaskedLM.from_pretrained(path, dtype=torch.float32).eval()

    @torch.inference_mode()
    def propose(self, snippet: Snippet, start: int, end: int, k: int) -> list[str]:
        check_span(snippet.completion, start, end, allow_empty=True)
        masked = snippet.completion[:start] + self.tokenizer.mask_token + snippet.completion[end:]
        self.tokenizer.truncation_side = "left"
        encoded = self.tokenizer(snippet.prompt, masked, truncation="only_first", max_length=256, return_tensors="pt")
        where = (encoded["input_ids"][0] == self.tokenizer.mask_token_id).nonzero()[0, 0]
        logits = self.model(**encoded).logits[0, where]
        top = torch.topk(logits, min(20 * k + 50, logits.shape[-1])).indices.tolist()
        tokens = [t for t in self.tokenizer.convert_ids_to_tokens(top) if not t.startswith("##")]
        return keep_words(tokens, snippet.completion[start:end], k)
