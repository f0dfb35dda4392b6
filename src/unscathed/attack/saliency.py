"""Which completion tokens make the classifier call a snippet injurious, and what could replace them.

These two functions are the red-team workbench's tools (a person edits a snippet, guided by them) and the
first step of the automated searches (which positions to perturb first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..models.classifier import HFClassifier
from ..snippet import Snippet
from .gradients import encode_with_offsets, integrated_gradients
from .proposers import GeneratorProposer, GradientProposer, Proposer, check_span


@dataclass(frozen=True)
class TokenSaliency:
    """One completion token and how much it pushes the injury score up."""

    token: str  # the token's text as shown to a person: completion[start:end]
    start: int  # character offsets into the completion text
    end: int
    saliency: float  # gradient x embedding of the injury log-odds; signed, larger = more injurious


def token_saliency(classifier: HFClassifier, snippet: Snippet, steps: int = 16) -> list[TokenSaliency]:
    """Saliency of each completion token the classifier sees: the gradient of the injury score with respect
    to the token's input embedding, times that embedding, summed over the hidden dimension.

    The score differentiated is the log-odds of P(injury), and the gradient is averaged over ``steps``
    points on the way from a zeroed completion to the real one (integrated gradients; see
    ``integrated_gradients`` for why a single gradient at the input misleads on a confident classifier).
    A saliency reads as "about how much of the log-odds this token contributes"; together they add up to
    about the log-odds the completion adds over an empty one.
    Prompt tokens are left out: attacks and red-teamers edit the completion. Word pieces are reported one by
    one, each with its own offsets; ``token`` is the text it covers, so no '##' markers appear.

    >>> [(t.token, round(t.saliency, 2)) for t in token_saliency(clf, Snippet("He drew.", "He stabbed her."))]  # doctest: +SKIP
    [('He', 0.05), ('stabbed', 2.31), ('her', 0.4), ('.', -0.02)]
    """
    if not isinstance(classifier, HFClassifier):
        return occlusion_saliency(classifier, snippet)
    encoded = encode_with_offsets(classifier, snippet)
    per_position, _ = integrated_gradients(classifier, encoded, steps)
    return [
        TokenSaliency(snippet.completion[start:end], start, end, float(per_position[p]))
        for p, (start, end) in zip(encoded.positions, encoded.offsets)
    ]


def occlusion_saliency(classifier, snippet: Snippet) -> list[TokenSaliency]:
    """For a classifier without input gradients (e.g. the probe): each word's saliency is the drop in the
    injury log-odds when that word is removed, all removals scored in one batch."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", snippet.completion)]
    if not words:
        return []
    texts = [snippet.completion] + [(snippet.completion[:a] + snippet.completion[b:]).strip() or "." for a, b in words]
    p = np.clip(classifier.score([Snippet(snippet.prompt, t) for t in texts]), 1e-7, 1 - 1e-7)
    logits = np.log(p) - np.log1p(-p)
    return [TokenSaliency(snippet.completion[a:b], a, b, float(logits[0] - logits[k + 1])) for k, (a, b) in enumerate(words)]


def default_proposer(classifier) -> Proposer:
    """HotFlip's gradient ranking for a fine-tuned encoder; for a probe, the words its generator backbone would write."""
    if isinstance(classifier, HFClassifier):
        return GradientProposer(classifier)
    return GeneratorProposer(classifier.backbone_generator())


@dataclass(frozen=True)
class Substitution:
    """One candidate replacement for a span, with the score the classifier really gives the result."""

    replacement: str
    completion: str  # the completion with the replacement applied
    p_injury: float


def rank_substitutions(classifier: HFClassifier, snippet: Snippet, start: int, end: int, k: int = 10, proposer: Proposer | None = None) -> list[Substitution]:
    """Candidate replacements for ``completion[start:end]``, ranked by the P(injury) they give (lowest
    first), each scored by the classifier for real (in one batch).

    ``proposer`` defaults to ``GradientProposer(classifier)`` (HotFlip's first-order ranking over the
    classifier's vocabulary). It is asked for 3k candidates, so the k returned are the best of a wider pool.
    """
    check_span(snippet.completion, start, end)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    proposer = proposer or default_proposer(classifier)
    words = proposer.propose(snippet, start, end, 3 * k)
    if not words:
        return []
    texts = [snippet.completion[:start] + w + snippet.completion[end:] for w in words]
    scores = classifier.score([Snippet(snippet.prompt, t) for t in texts])
    ranked = sorted(zip(words, texts, scores.tolist()), key=lambda row: row[2])
    return [Substitution(w, t, float(p)) for w, t, p in ranked[:k]]
