"""Hidden-state features of a causal LM for the probe classifier, read in windows so no text goes unread.

A snippet is read the way the generator writes it: the prompt's tokens, then the completion's. The
completion is cut into overlapping windows of ``window`` tokens; each window is pooled (mean and max over its
tokens, at each probe layer) with the whole preceding text as causal context. A completion longer than
``piece`` tokens is read in several forward passes, each with ``context`` tokens of what came before, so a
long harmless tail cannot hide an injury: the snippet's score is its most injurious window.
"""

from __future__ import annotations

import inspect
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from ..snippet import Snippet


@dataclass(frozen=True)
class FeatureSettings:
    layers: tuple[int, ...] = (6, 12, 18, 24)
    window: int = 32  # about one sentence: a window of 64 let a calm half dilute an injury in the other half
    stride: int = 16
    max_prompt_tokens: int = 192
    piece: int = 1024
    context: int = 192


@dataclass(frozen=True)
class _Piece:
    owner: int  # index of the snippet
    ids: list[int]
    windows: list[tuple[int, int]]  # [start, end) positions in ``ids``


def window_spans(length: int, window: int, stride: int) -> list[tuple[int, int]]:
    """[start, end) spans of at most ``window`` covering 0..length, every ``stride``; the last ends at ``length``."""
    if length <= window:
        return [(0, length)]
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] + window < length:
        starts.append(length - window)
    return [(s, s + window) for s in starts]


def _pieces(owner: int, prompt_ids: list[int], completion_ids: list[int], settings: FeatureSettings) -> list[_Piece]:
    if not completion_ids:  # an empty completion adds nothing: read the prompt's last token
        return [_Piece(owner, prompt_ids, [(len(prompt_ids) - 1, len(prompt_ids))])]
    pieces = []
    text = prompt_ids + completion_ids
    for start in range(0, len(completion_ids), settings.piece):
        end = min(start + settings.piece, len(completion_ids))
        begin = max(0, len(prompt_ids) + start - (settings.context if start else settings.max_prompt_tokens))
        ids = text[begin : len(prompt_ids) + end]
        offset = len(prompt_ids) + start - begin
        # Windows of this piece start inside it; the stride keeps their overlap across piece boundaries.
        spans = window_spans(end - start, settings.window, settings.stride)
        if start:  # one more window straddling the boundary with the previous piece
            back = min(settings.window - settings.stride, offset)
            spans = [(-back, -back + settings.window)] + spans
        pieces.append(_Piece(owner, ids, [(offset + a, offset + b) for a, b in spans]))
    return pieces


def encode_snippet(tokenizer, snippet: Snippet, max_prompt_tokens: int) -> tuple[list[int], list[int]]:
    """(prompt tokens, cut from the left; completion tokens), as the generator would see them.

    An empty prompt becomes a single newline: the first position of a causal LM is an attention sink with
    extreme activations, and a completion token there would dominate the max-pooled features (it made every
    empty-prompt snippet look alike to the probe, whatever it said).
    """
    if snippet.prompt.strip():
        prompt = tokenizer(snippet.prompt, add_special_tokens=False)["input_ids"][-max_prompt_tokens:]
    else:
        prompt = tokenizer("\n", add_special_tokens=False)["input_ids"]
    text = snippet.completion if not snippet.prompt.strip() else " " + snippet.completion.lstrip()
    completion = tokenizer(text, add_special_tokens=False)["input_ids"] if snippet.completion.strip() else []
    return prompt, completion


class _EnoughLayers(Exception):
    """Raised by a hook once the deepest probe layer has run: the rest of the network is not needed."""


def hidden_states(model, ids: torch.Tensor, mask: torch.Tensor, layers: tuple[int, ...], cache=None) -> list[torch.Tensor]:
    """``output_hidden_states[k]`` for each k in ``layers`` (k = output of the k-th decoder block), computing only
    the blocks up to the deepest one: neither the later blocks nor the vocabulary head run.

    With ``cache`` (a ``DynamicCache``), ``ids`` continue the text already in it (``mask`` then covers both),
    and the cache gains their keys and values for the blocks that ran."""
    blocks = model.get_decoder().layers
    if min(layers) < 1 or max(layers) > len(blocks):
        raise ValueError(f"probe layers must be in 1..{len(blocks)}, got {layers}")
    captured: dict[int, torch.Tensor] = {}

    def capture(k: int):
        def hook(module, args, output):
            captured[k] = output[0] if isinstance(output, tuple) else output
            if k == max(layers):
                raise _EnoughLayers

        return hook

    handles = [blocks[k - 1].register_forward_hook(capture(k)) for k in sorted(set(layers))]
    try:
        decoder = model.get_decoder()
        # transformers renamed ``past_key_values`` to ``cache`` (the old name warns, then goes in 5.40)
        name = "cache" if "cache" in inspect.signature(decoder.forward).parameters else "past_key_values"
        decoder(input_ids=ids, attention_mask=mask, use_cache=cache is not None, **{name: cache})
    except _EnoughLayers:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return [captured[k] for k in layers]


@torch.inference_mode()
def window_features(model, tokenizer, snippets: Sequence[Snippet], settings: FeatureSettings, batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(features of every window, shape (windows, 2 * len(layers) * hidden); the snippet index of each window).

    Where several completions (each fitting one piece) share a prompt, as the candidates of a filter round do,
    they are read after the prompt's keys and values, computed once; the rest are read in pieces, batched
    across prompts.
    """
    encoded = [encode_snippet(tokenizer, s, settings.max_prompt_tokens) for s in snippets]
    shared = Counter(tuple(prompt) for prompt, _ in encoded)
    # A prompt with several one-piece completions is read once; everything else is batched across prompts in pieces.
    short = [i for i, (prompt, completion) in enumerate(encoded) if len(completion) <= settings.piece and shared[tuple(prompt)] > 1]
    chosen = set(short)
    rest = [i for i in range(len(snippets)) if i not in chosen]
    per_snippet: dict[int, list[np.ndarray]] = _prompt_cached_features(model, tokenizer, {i: encoded[i] for i in short}, settings, batch_size)
    if rest:
        feats, owners = _piece_features(model, tokenizer, [encoded[i] for i in rest], settings, batch_size)
        for k, i in enumerate(rest):
            per_snippet[i] = list(feats[owners == k])
    windows = [w for i in range(len(snippets)) for w in per_snippet[i]]
    return np.stack(windows), np.repeat(np.arange(len(snippets)), [len(per_snippet[i]) for i in range(len(snippets))])


def _pooled(span: torch.Tensor) -> np.ndarray:
    """Mean and max over the tokens of one window, at each probe layer: (layers, tokens, hidden) -> flat."""
    return torch.cat([span.mean(dim=1), span.amax(dim=1)], dim=-1).flatten().cpu().numpy()


def _prompt_cached_features(model, tokenizer, encoded: dict[int, tuple[list[int], list[int]]], settings: FeatureSettings, batch_size: int) -> dict[int, list[np.ndarray]]:
    """Window features of one-piece completions: each distinct prompt runs once, and its cache is repeated for
    the batch of its completions (right-padded), so a window sees exactly the context it would in one pass."""
    import copy

    from transformers import DynamicCache

    by_prompt: dict[tuple[int, ...], list[int]] = {}
    for i, (prompt, _) in encoded.items():
        by_prompt.setdefault(tuple(prompt), []).append(i)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    out: dict[int, list[np.ndarray]] = {}
    for prompt, members in by_prompt.items():
        cache = DynamicCache()
        prompt_ids = torch.tensor([list(prompt)], device=model.device)
        prompt_states = torch.stack(hidden_states(model, prompt_ids, torch.ones_like(prompt_ids), settings.layers, cache), dim=1).float()  # (1, L, P, H)
        for i in members:
            if not encoded[i][1]:  # an empty completion adds nothing: read the prompt's last token
                out[i] = [_pooled(prompt_states[0, :, -1:, :])]
        todo = [i for i in members if encoded[i][1]]
        for b in range(0, len(todo), batch_size):
            batch = todo[b : b + batch_size]
            width = max(len(encoded[i][1]) for i in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), len(prompt) + width), dtype=torch.long)
            mask[:, : len(prompt)] = 1
            for row, i in enumerate(batch):
                completion = encoded[i][1]
                ids[row, : len(completion)] = torch.tensor(completion)
                mask[row, len(prompt) : len(prompt) + len(completion)] = 1
            batch_cache = copy.deepcopy(cache)
            batch_cache.batch_repeat_interleave(len(batch))
            states = torch.stack(hidden_states(model, ids.to(model.device), mask.to(model.device), settings.layers, batch_cache), dim=1).float()  # (B, L, W, H)
            for row, i in enumerate(batch):
                out[i] = [_pooled(states[row, :, a:b_, :]) for a, b_ in window_spans(len(encoded[i][1]), settings.window, settings.stride)]
    return out


def _piece_features(model, tokenizer, encoded: Sequence[tuple[list[int], list[int]]], settings: FeatureSettings, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Window features read in pieces of ``settings.piece`` tokens with context before them, batched across snippets."""
    pieces = [p for i, (prompt, completion) in enumerate(encoded) for p in _pieces(i, prompt, completion, settings)]
    feats: list[tuple[int, np.ndarray]] = []  # (piece index, window features), put back in piece order below
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    order = sorted(range(len(pieces)), key=lambda k: len(pieces[k].ids))  # similar lengths share a batch
    for b in range(0, len(order), batch_size):
        batch = [pieces[k] for k in order[b : b + batch_size]]
        width = max(len(p.ids) for p in batch)
        ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, piece in enumerate(batch):  # right padding: positions match the unpadded sequence
            ids[row, : len(piece.ids)] = torch.tensor(piece.ids)
            mask[row, : len(piece.ids)] = 1
        layers = torch.stack(hidden_states(model, ids.to(model.device), mask.to(model.device), settings.layers), dim=1).float()  # (B, L, T, H)
        for row, k in enumerate(order[b : b + batch_size]):
            for a, b_ in pieces[k].windows:
                feats.append((k, _pooled(layers[row, :, a:b_, :])))
    feats.sort(key=lambda pair: pair[0])  # stable: windows stay in reading order within a piece
    return np.stack([f for _, f in feats]), np.array([pieces[k].owner for k, _ in feats])
