"""A generator backed by any OpenAI-compatible completions server (vLLM, llama.cpp server, ...)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Sequence

from ..config import SamplingSettings
from ..sentence import cut_first_sentence
from ..snippet import Completion


class CompletionsServerError(RuntimeError):
    """The server answered with an error or something that is not a completions response."""


class OpenAICompletionsGenerator:
    """``POST {base_url}/completions`` with a list of prompts and ``n`` samples each."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"openai:{model}@{self.base_url}"

    def sample(self, prompts: Sequence[str], n: int, settings: SamplingSettings) -> list[list[Completion]]:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        if not prompts:
            return []
        body = {
            "model": self.model,
            "prompt": list(prompts),
            "n": n,
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "logprobs": 1,
        }
        if settings.one_sentence:
            body["stop"] = ["\n"]
        response = self._post("/completions", body)
        choices = response.get("choices")
        if not isinstance(choices, list) or len(choices) != len(prompts) * n:
            raise CompletionsServerError(f"expected {len(prompts) * n} choices from {self.base_url}, got {response!r:.200}")
        out: list[list[Completion]] = [[] for _ in prompts]
        for position, choice in enumerate(sorted(choices, key=lambda c: c.get("index", 0))):
            out[position // n].append(_completion(choice, settings))
        return out

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as error:
            raise CompletionsServerError(f"{self.base_url}{path} answered {error.code}: {error.read()[:200]!r}") from error
        except (urllib.error.URLError, json.JSONDecodeError) as error:
            raise CompletionsServerError(f"{self.base_url}{path} failed: {error}") from error


def _completion(choice: dict[str, Any], settings: SamplingSettings) -> Completion:
    text = choice.get("text", "")
    finish = choice.get("finish_reason") or "stop"
    logprobs = choice.get("logprobs") or {}
    tokens: list[str] = logprobs.get("tokens") or []
    token_logprobs: list[float] | None = logprobs.get("token_logprobs")
    if settings.one_sentence:
        cut, found = cut_first_sentence(text, finished=finish == "stop")
        if found:
            finish = "stop"
            if token_logprobs is not None and tokens:
                token_logprobs = token_logprobs[: _tokens_covering(tokens, text, len(cut))]
        text = cut
    else:
        text = text.strip()
    return Completion(text=text, token_logprobs=None if token_logprobs is None else tuple(token_logprobs), finish_reason=finish)


def _tokens_covering(tokens: list[str], text: str, n_chars: int) -> int:
    """How many tokens it takes to cover the first ``n_chars`` of the stripped ``text``."""
    lead = len(text) - len(text.lstrip())
    covered = 0
    for k, token in enumerate(tokens, start=1):
        covered += len(token)
        if covered - lead >= n_chars:
            return k
    return len(tokens)
