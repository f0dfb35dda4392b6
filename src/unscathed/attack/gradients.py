"""Gradients of a classifier's injury score with respect to its input embeddings, with character offsets.

Saliency, the gradient-guided (HotFlip) proposer and the red-team workbench all need the same two things:
the classifier's input for one snippet exactly as ``HFClassifier.score`` builds it, and where each completion
token sits in the completion text. Both live here so that they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..models.classifier import INJURY_LABEL, HFClassifier
from ..snippet import Snippet


@dataclass(frozen=True)
class EncodedSnippet:
    """One snippet as the classifier sees it, and which input positions hold completion tokens."""

    inputs: dict[str, torch.Tensor]  # batch of one, on the model's device
    positions: tuple[int, ...]  # input positions of completion tokens, in order
    offsets: tuple[tuple[int, int], ...]  # (start, end) in the completion text of each of those tokens


def encode_with_offsets(classifier: HFClassifier, snippet: Snippet) -> EncodedSnippet:
    """Encode ``snippet`` with the same truncation rules as ``encode_pairs`` and keep completion offsets.

    ``encode_pairs`` puts the completion second when there is a prompt and alone otherwise (also when the
    completion alone is too long, in which case it is cut from the left and only its end is scored).
    """
    tokenizer, max_length = classifier.tokenizer, classifier.metadata.max_length
    tokenizer.truncation_side = "left"
    n_completion = len(tokenizer(snippet.completion, add_special_tokens=False)["input_ids"])
    paired = bool(snippet.prompt.strip()) and n_completion <= max_length - 3
    if paired:
        encoded = tokenizer(snippet.prompt, snippet.completion, truncation="only_first", max_length=max_length, return_offsets_mapping=True)
    else:
        encoded = tokenizer(snippet.completion, truncation=True, max_length=max_length, return_offsets_mapping=True)
    completion_sequence = 1 if paired else 0
    positions, offsets = [], []
    for i, (sequence, (start, end)) in enumerate(zip(encoded.sequence_ids(), encoded["offset_mapping"])):
        if sequence == completion_sequence and end > start:
            positions.append(i)
            offsets.append((start, end))
    inputs = {k: torch.tensor([v], device=classifier.model.device) for k, v in encoded.items() if k != "offset_mapping"}
    return EncodedSnippet(inputs, tuple(positions), tuple(offsets))


def path_gradients(classifier: HFClassifier, encoded: EncodedSnippet, steps: int = 16) -> tuple[torch.Tensor, torch.Tensor, float]:
    """(input embeddings, gradient of the injury log-odds averaged along a path, log-odds); tensors (seq, hidden).

    Completion-token embeddings are scaled from 0 to 1 (prompt and special tokens kept as they are) and the
    gradient is averaged over ``steps`` points of that path (the midpoint rule of integrated gradients).
    The gradient is of the log-odds log(p / (1 - p)) rather than p: it points the same way but does not
    vanish as p nears 0 or 1. And it is averaged because a confident classifier saturates at its input:
    there the gradient is nearly zero and points anywhere, so a token that decides the score looks
    unimportant and first-order flip estimates are noise. Along the path the saturated stretch is only a part.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    model = classifier.model
    embeddings = model.get_input_embeddings()(encoded.inputs["input_ids"]).detach()[0]
    mask = torch.zeros(embeddings.shape[0], 1, device=embeddings.device)
    mask[list(encoded.positions)] = 1.0
    alphas = ((torch.arange(steps, device=embeddings.device) + 0.5) / steps).view(-1, 1, 1)
    path = (embeddings * (1 - mask) + alphas * embeddings * mask).requires_grad_(True)
    rest = {k: v.expand(steps, -1) for k, v in encoded.inputs.items() if k != "input_ids"}
    with torch.enable_grad():
        log_p = torch.log_softmax(model(inputs_embeds=path, **rest).logits.float(), dim=-1)
        (gradient,) = torch.autograd.grad((log_p[:, INJURY_LABEL] - log_p[:, 1 - INJURY_LABEL]).sum(), path)
    with torch.inference_mode():
        full = torch.log_softmax(model(**encoded.inputs).logits.float()[0], dim=-1)
    return embeddings, gradient.mean(0).detach(), float(full[INJURY_LABEL] - full[1 - INJURY_LABEL])


def integrated_gradients(classifier: HFClassifier, encoded: EncodedSnippet, steps: int = 16) -> tuple[torch.Tensor, float]:
    """Attribution of the injury log-odds to each input position, shape (seq,) (zero outside the
    completion), and the log-odds itself: path-averaged gradient x embedding. The attributions add up to
    about the log-odds difference between the snippet and the snippet with its completion embeddings zeroed.
    """
    embeddings, gradient, log_odds = path_gradients(classifier, encoded, steps)
    attribution = torch.zeros(embeddings.shape[0], device=embeddings.device)
    positions = list(encoded.positions)
    attribution[positions] = (gradient[positions] * embeddings[positions]).sum(-1)
    return attribution, log_odds
