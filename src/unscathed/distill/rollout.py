"""Sample one-sentence completions with their token ids, and score those tokens under any causal LM.

The trainers need the exact token ids the policy sampled (re-tokenizing the text would give a different
path), so generation is done here rather than through ``HFGenerator.sample``; the cutting of a completion
at its first sentence is the generator's own, so a training completion is what serving would return.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from transformers import StoppingCriteriaList

from ..config import SamplingSettings
from ..models.generator import HFGenerator, SentenceEnded

# Pure sampling: the policy gradient and the KL estimates need samples from the model's own distribution.
TRAINING_SAMPLING = dict(temperature=1.0, top_p=1.0)


@dataclass
class Rollout:
    """``n`` completions per prompt, row ``i`` continuing ``prompts[i // n]``.

    ``input_ids`` is the left-padded prompt followed by the sampled tokens; ``completion_mask`` marks the
    tokens of the returned completion (its first sentence, and the end-of-text token when the model chose
    to stop), which are the actions that are rewarded and scored. ``sampling_logprobs`` holds each sampled
    token's log-prob under the distribution it was drawn from.
    """

    prompts: list[str]
    n: int
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    completion_mask: torch.Tensor
    prompt_length: int
    texts: list[str]
    sampling_logprobs: torch.Tensor

    def row_prompts(self) -> list[str]:
        return [p for p in self.prompts for _ in range(self.n)]

    def select(self, rows: Sequence[int]) -> "Rollout":
        """The given rows only, as a rollout with ``n = 1``."""
        index = torch.as_tensor(list(rows), dtype=torch.long, device=self.input_ids.device)
        row_prompts = self.row_prompts()
        return Rollout([row_prompts[i] for i in rows], 1, self.input_ids[index], self.attention_mask[index], self.completion_mask[index], self.prompt_length, [self.texts[i] for i in rows], self.sampling_logprobs[index])


@torch.no_grad()  # not inference_mode: the ids feed a training forward pass later
def sample_rollout(generator: HFGenerator, prompts: Sequence[str], n: int, max_new_tokens: int) -> Rollout:
    """``n`` completions of each prompt from ``generator.model`` at temperature 1 with no truncation."""
    settings = SamplingSettings(max_new_tokens=max_new_tokens, one_sentence=True, **TRAINING_SAMPLING)
    encoded = generator.encode(prompts, max_new_tokens)
    encoded = {k: v.repeat_interleave(n, dim=0) for k, v in encoded.items()}
    prompt_length = encoded["input_ids"].shape[1]
    out = generator.model.generate(
        **encoded,
        do_sample=True,
        temperature=1.0,
        top_p=1.0,
        top_k=None,
        max_new_tokens=max_new_tokens,
        stopping_criteria=StoppingCriteriaList([SentenceEnded(generator.tokenizer, prompt_length)]),
        pad_token_id=generator.tokenizer.pad_token_id,
        return_dict_in_generate=True,
        output_scores=True,
    )
    new_tokens = out.sequences[:, prompt_length:]
    logprobs = generator.token_logprobs(out.scores, new_tokens, settings)
    mask = torch.zeros_like(new_tokens)
    texts = []
    for i in range(new_tokens.shape[0]):
        completion = generator.to_completion(new_tokens[i], logprobs[i], settings)
        kept = len(completion.token_logprobs or ())
        if kept < new_tokens.shape[1] and new_tokens[i, kept].item() == generator.tokenizer.eos_token_id:
            kept += 1  # stopping was the model's own choice: train that token too
        mask[i, :kept] = 1
        texts.append(completion.text)
    attention = torch.cat([encoded["attention_mask"], torch.ones_like(new_tokens)], dim=1)
    return Rollout(list(prompts), n, out.sequences, attention, mask, prompt_length, texts, logprobs)


def token_logprobs(model, rollout: Rollout, rows: slice | None = None) -> torch.Tensor:
    """Log-prob under ``model`` of each sampled token, shape (rows, completion steps); gradients flow.

    Positions count from the first real prompt token, as in generation with left padding.
    """
    rows = rows or slice(None)
    ids, attention = rollout.input_ids[rows], rollout.attention_mask[rows]
    positions = (attention.cumsum(-1) - 1).clamp(min=0)
    steps = ids.shape[1] - rollout.prompt_length
    # Only the logits that predict completion tokens: the vocabulary makes the full tensor large.
    logits = model(input_ids=ids, attention_mask=attention, position_ids=positions, logits_to_keep=steps + 1).logits[:, :-1]
    logp = torch.log_softmax(logits.float(), dim=-1)
    return logp.gather(-1, ids[:, rollout.prompt_length :].unsqueeze(-1)).squeeze(-1)


@torch.no_grad()
def sequence_kl(reference, rollout: Rollout, micro_batch_size: int) -> torch.Tensor:
    """log pi(y|x) - log p_ref(y|x) for each row, where pi is the model that sampled the rollout: its mean
    over the rows estimates KL(pi || p_ref). pi's log-probs are the sampling ones, which saves a forward pass."""
    out = []
    for start in range(0, rollout.input_ids.shape[0], micro_batch_size):
        rows = slice(start, start + micro_batch_size)
        diff = rollout.sampling_logprobs[rows] - token_logprobs(reference, rollout, rows)
        out.append((diff * rollout.completion_mask[rows]).sum(-1))
    return torch.cat(out)


def text_rollout(tokenizer, prompts: Sequence[str], texts: Sequence[str], device: torch.device | str) -> Rollout:
    """A rollout of given completion texts (each after its prompt and a space), to score them under a model.

    Prompts are left-padded and completions right-padded, so every completion starts at the same column.
    An empty completion gets an empty mask.
    """
    tokenizer.padding_side = "left"
    encoded = tokenizer(list(prompts), return_tensors="pt", padding=True)
    tokenizer.padding_side = "right"
    completions = tokenizer([" " + t if t else "" for t in texts], return_tensors="pt", padding=True, add_special_tokens=False)
    tokenizer.padding_side = "left"  # what HFGenerator expects of a shared tokenizer
    ids = torch.cat([encoded["input_ids"], completions["input_ids"]], dim=1).to(device)
    attention = torch.cat([encoded["attention_mask"], torch.ones_like(completions["input_ids"])], dim=1).to(device)
    mask = completions["attention_mask"].to(device)
    return Rollout(list(prompts), 1, ids, attention, mask, encoded["input_ids"].shape[1], list(texts), torch.zeros(mask.shape, device=device))
