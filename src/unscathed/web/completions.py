"""``POST /v1/completions`` and ``GET /v1/models`` in the OpenAI format, served by the filtered generator.

Only completions the classifier accepts come back. A prompt where nothing passes within the policy's attempt
budget gets a choice with empty text and ``finish_reason: "content_filter"`` (fail closed), so existing
OpenAI clients work unchanged and can tell a refusal from an empty continuation.

The text of a choice is the completion exactly as the classifier scored it (one sentence, stripped, by
default); clients that join prompt and completion add the space themselves.

Served unfiltered (``unscathed serve --no-filter``, e.g. for a distilled generator), each choice is one plain
sample, returned whatever it scores, under the model id ``unscathed-unfiltered``; calls are still scored and
recorded, with the outcome ``"unfiltered"``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Protocol

import torch
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..config import FilterPolicy, SamplingSettings, StrictConfig
from ..filter import FilterError, FilterResult
from ..generate import filtered_generate, unfiltered_generate
from ..models.classifier import Classifier
from ..models.generator import Generator
from ..store import Store
from .models import ModelService
from .openai_errors import ApiError, error_response, validation_error
from .stop import StopAtGenerator


@dataclass(frozen=True)
class CompletionsLimits(StrictConfig):
    """What one request may ask for: every choice costs up to ``policy.max_attempts`` generations."""

    max_prompts: int = field(default=16, metadata={"help": "prompts in one request"})
    max_n: int = field(default=8, metadata={"help": "completions per prompt"})
    max_choices: int = field(default=32, metadata={"help": "prompts times n in one request"})
    max_tokens: int = field(default=256, metadata={"help": "token budget of one completion"})
    max_prompt_chars: int = field(default=20_000, metadata={"help": "characters in one prompt"})
    max_stops: int = field(default=4, metadata={"help": "stop sequences in one request (as OpenAI)"})
    max_stop_chars: int = field(default=64, metadata={"help": "characters in one stop sequence"})
    max_user_chars: int = field(default=256, metadata={"help": "characters in the user field"})
    max_waiting: int = field(default=16, metadata={"help": "API requests admitted at once (running or queued for the model); more are answered 429"})


class CompletionRequest(BaseModel):
    """The body of ``POST /v1/completions``. Unknown fields are refused, as OpenAI does."""

    model_config = ConfigDict(extra="forbid", strict=True)

    model: str
    prompt: str | list[str]
    n: int = Field(1, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    seed: int | None = None
    stop: str | list[str] | None = None
    user: str | None = None
    # OpenAI fields accepted only at values that change nothing (see _UNSUPPORTED).
    stream: bool | None = None
    stream_options: dict[str, Any] | None = None
    echo: bool | None = None
    logprobs: int | None = None
    best_of: int | None = None
    suffix: str | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    logit_bias: dict[str, float] | None = None

    @field_validator("prompt", mode="before")
    @classmethod
    def _text_prompts(cls, value: Any) -> Any:
        if isinstance(value, list) and value and not all(isinstance(p, str) for p in value):
            raise ValueError("token-id prompts are not supported; send the prompt as text (a string or a list of strings)")
        return value

    def prompts(self) -> list[str]:
        return [self.prompt] if isinstance(self.prompt, str) else list(self.prompt)

    def stops(self) -> tuple[str, ...]:
        stops = [self.stop] if isinstance(self.stop, str) else list(self.stop or [])
        return tuple(s for s in stops if s)


# Each field: (is the value inert?, why it cannot be honoured).
_UNSUPPORTED: dict[str, tuple[Callable[[Any], bool], str]] = {
    "stream_options": (lambda v: v is None or set(v) <= {"include_usage"}, "stream_options supports only include_usage"),
    "echo": (lambda v: not v, "echo is not supported"),
    "logprobs": (lambda v: v is None, "logprobs are not supported; leave logprobs unset"),
    "suffix": (lambda v: v is None, "suffix (insertion) is not supported"),
    "frequency_penalty": (lambda v: not v, "frequency_penalty is not supported; leave it at 0"),
    "presence_penalty": (lambda v: not v, "presence_penalty is not supported; leave it at 0"),
    "logit_bias": (lambda v: not v, "logit_bias is not supported"),
}


class ModelSource(Protocol):
    """Where the service finds its models: the web app's ``ModelService`` (loaded on first use) or ready ones.

    ``lock`` serialises every use of the models: the API shares it with the red-team pages.
    """

    lock: AbstractContextManager

    @property
    def generator(self) -> Generator: ...

    @property
    def classifier(self) -> Classifier: ...


class CompletionsService:
    """The filtered generator behind the API: models, a policy, and an optional store that records each call.

    ``complete`` is blocking and thread-safe: model work (and the seeding that makes ``seed`` reproducible)
    runs under ``models.lock``, because the models are not safe to share between threads.
    """

    def __init__(
        self,
        models: ModelSource,
        policy: FilterPolicy = FilterPolicy(),
        store: Store | None = None,
        *,
        settings: SamplingSettings = SamplingSettings(),
        model_id: str = "unscathed-filtered",
        api_key: str | None = None,
        limits: CompletionsLimits = CompletionsLimits(),
        count_tokens: Callable[[str], int] | None = None,
        filtered: bool = True,
    ) -> None:
        self.models = models
        # Unfiltered: one plain sample per choice, whatever it scores (a distilled generator served on its own).
        self.filtered = filtered
        self.policy = policy
        self.store = store
        self.settings = settings
        self.model_id = model_id
        self.api_key = api_key
        self.limits = limits
        self.count_tokens = count_tokens  # usage is left out of responses when prompt tokens cannot be counted
        self.created = int(time.time())
        # The API's own admission and worker: its requests never hold the web app's shared threads, and at most
        # ``limits.max_waiting`` wait for the model at once (the rest are told to retry).
        self.admission = threading.BoundedSemaphore(limits.max_waiting)
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="completions")

    @classmethod
    def for_app(cls, models: ModelService, store: Store, filtered: bool = True) -> "CompletionsService":
        """The service ``create_app`` mounts: the app's models, sampling settings and store, the default
        policy, and the API key in ``$UNSCATHED_API_KEY`` (no key: open to whoever reaches the server).
        ``filtered=False`` serves the generator's plain samples as the model ``unscathed-unfiltered``."""
        # The app's generator is an HFGenerator; its tokenizer counts the tokens reported in ``usage``.
        count = lambda text: len(models.generator.tokenizer(text)["input_ids"])  # noqa: E731
        model_id = "unscathed-filtered" if filtered else "unscathed-unfiltered"
        return cls(models, store=store, settings=models.settings, model_id=model_id, api_key=os.environ.get("UNSCATHED_API_KEY") or None, count_tokens=count, filtered=filtered)

    def check_key(self, authorization: str | None) -> None:
        """Refuse the request unless it carries ``Authorization: Bearer <api_key>`` (when a key is set)."""
        if self.api_key is None:
            return
        scheme, _, given = (authorization or "").strip().partition(" ")
        given = given.strip() if scheme.lower() == "bearer" else ""
        if not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise ApiError(401, "Incorrect or missing API key: send it as 'Authorization: Bearer <key>'", code="invalid_api_key")

    def model_list(self) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": self.model_id, "object": "model", "created": self.created, "owned_by": "unscathed"}]}

    def complete(self, request: CompletionRequest) -> dict[str, Any]:
        """Run the filter for every prompt ``n`` times and answer in the OpenAI completions format."""
        prompts, settings = self._validate(request)
        repeated = [p for p in prompts for _ in range(request.n)]  # choice index = prompt index * n + k, as OpenAI
        with self.models.lock:
            generator = StopAtGenerator(self.models.generator, request.stops()) if request.stops() else self.models.generator
            if request.seed is not None:
                torch.manual_seed(request.seed)
            try:
                if self.filtered:
                    results = filtered_generate(repeated, generator, self.models.classifier, self.policy, settings, self.store)
                else:
                    results = unfiltered_generate(repeated, generator, self.models.classifier, settings, self.store, self.policy.threshold)
            except FilterError as error:
                raise ApiError(500, f"the classifier failed, so nothing is returned: {error}", type="server_error", code="filter_error") from error
        return self._response(prompts, results)

    def _validate(self, request: CompletionRequest) -> tuple[list[str], SamplingSettings]:
        if request.model != self.model_id:
            raise ApiError(404, f"The model '{request.model}' does not exist; this server serves '{self.model_id}'", param="model", code="model_not_found")
        for name, (inert, why) in _UNSUPPORTED.items():
            if not inert(getattr(request, name)):
                raise ApiError(400, why, param=name, code="unsupported_parameter")
        if request.best_of not in (None, request.n):
            raise ApiError(400, "best_of is not supported (the filter already picks which completion to return); leave it unset", param="best_of", code="unsupported_parameter")
        prompts = request.prompts()
        limits = self.limits
        if not prompts:
            raise ApiError(400, "prompt is an empty list; send at least one prompt", param="prompt")
        if len(prompts) > limits.max_prompts:
            raise ApiError(400, f"{len(prompts)} prompts in one request; at most {limits.max_prompts}", param="prompt")
        for k, prompt in enumerate(prompts):
            where = "prompt" if isinstance(request.prompt, str) else f"prompt[{k}]"
            if not prompt.strip():
                raise ApiError(400, f"{where} is empty; give the story to continue", param="prompt")
            if len(prompt) > limits.max_prompt_chars:
                raise ApiError(400, f"{where} has {len(prompt)} characters; at most {limits.max_prompt_chars}", param="prompt")
        if request.n > limits.max_n:
            raise ApiError(400, f"n={request.n}; at most {limits.max_n} completions per prompt", param="n")
        if len(prompts) * request.n > limits.max_choices:
            raise ApiError(400, f"{len(prompts)} prompts x n={request.n} = {len(prompts) * request.n} choices; at most {limits.max_choices}", param="n")
        stops = [request.stop] if isinstance(request.stop, str) else list(request.stop or [])
        if len(stops) > limits.max_stops:
            raise ApiError(400, f"{len(stops)} stop sequences; at most {limits.max_stops}", param="stop")
        if any(len(stop) > limits.max_stop_chars for stop in stops):
            raise ApiError(400, f"a stop sequence has more than {limits.max_stop_chars} characters", param="stop")
        if request.seed is not None and not -(2**63) <= request.seed < 2**64:
            raise ApiError(400, "seed must be an integer between -2**63 and 2**64 - 1", param="seed")
        if request.user is not None and len(request.user) > limits.max_user_chars:
            raise ApiError(400, f"user has {len(request.user)} characters; at most {limits.max_user_chars}", param="user")
        if request.max_tokens is not None and request.max_tokens > limits.max_tokens:
            raise ApiError(400, f"max_tokens={request.max_tokens}; at most {limits.max_tokens}", param="max_tokens")
        overrides = {"temperature": request.temperature, "top_p": request.top_p, "max_new_tokens": request.max_tokens}
        return prompts, replace(self.settings, **{k: v for k, v in overrides.items() if v is not None})

    def _threshold(self) -> float:
        return self.policy.threshold_for(self.models.classifier)

    def _response(self, prompts: list[str], results: list[FilterResult]) -> dict[str, Any]:
        choices = [_choice(k, result) for k, result in enumerate(results)]
        response: dict[str, Any] = {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": self.model_id,
            # Which classifier and threshold judged these completions: a changed filter changes the fingerprint.
            "system_fingerprint": f"{self.models.classifier.version}@{self._threshold():.6g}" + ("" if self.filtered else ":unfiltered"),
            "choices": choices,
        }
        if self.count_tokens is not None:
            prompt_tokens = sum(self.count_tokens(p) for p in prompts)
            completion_tokens = sum(self.count_tokens(r.completion) for r in results if r.completion is not None)
            response["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}
        return response


def _choice(index: int, result: FilterResult) -> dict[str, Any]:
    if result.outcome == "unfiltered":
        completion = result.candidates[0].completion
        return {"text": completion.text, "index": index, "logprobs": None, "finish_reason": completion.finish_reason}
    if result.accepted is None:
        return {"text": "", "index": index, "logprobs": None, "finish_reason": "content_filter"}
    completion = result.accepted.completion
    return {"text": completion.text, "index": index, "logprobs": None, "finish_reason": completion.finish_reason}


def completions_router(service: CompletionsService) -> APIRouter:
    """``POST /v1/completions`` and ``GET /v1/models`` for ``service``; errors in OpenAI's shape."""
    router = APIRouter(tags=["api"])

    @router.get("/v1/models")
    async def list_models(request: Request) -> JSONResponse:
        try:
            service.check_key(request.headers.get("authorization"))
        except ApiError as error:
            return error_response(error)
        return JSONResponse(service.model_list())

    @router.post("/v1/completions")
    async def create_completion(request: Request) -> JSONResponse:
        try:
            service.check_key(request.headers.get("authorization"))
            if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
                raise ApiError(415, "send the request body as JSON, with 'Content-Type: application/json'", code="unsupported_media_type")
            body = await _json_body(request)
            try:
                parsed = CompletionRequest.model_validate(body)
            except ValidationError as error:
                raise validation_error(error) from error
            if not service.admission.acquire(blocking=False):
                raise ApiError(429, f"the server is busy ({service.limits.max_waiting} requests waiting for the model); retry later", type="rate_limit_error", code="rate_limit_exceeded")
            try:
                # Model work blocks: it runs on the API's own worker, so the event loop and the web app's threads stay free.
                response = await asyncio.get_running_loop().run_in_executor(service.worker, service.complete, parsed)
            finally:
                service.admission.release()
            if parsed.stream:
                usage = bool((parsed.stream_options or {}).get("include_usage"))
                return StreamingResponse(stream_events(response, usage), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
            return JSONResponse(response)
        except ApiError as error:
            return error_response(error, {"Retry-After": "5"} if error.status == 429 else None)

    return router


def stream_events(response: dict[str, Any], include_usage: bool) -> Iterator[str]:
    """A finished response as OpenAI's server-sent events: each choice's text in word-sized pieces, then its
    ``finish_reason``, then (when asked) the usage, then ``[DONE]``.

    The stream holds a completion back until the classifier has accepted the whole of it: the filter decides
    on complete text, so streaming tokens as they are drawn would show a reader text that may be rejected.
    """
    head = {k: response[k] for k in ("id", "object", "created", "model", "system_fingerprint")}

    def event(choices: list[dict[str, Any]], **extra: Any) -> str:
        return f"data: {json.dumps({**head, 'choices': choices, **extra})}\n\n"

    for choice in response["choices"]:
        for piece in re.findall(r"\S*\s*", choice["text"]):
            if piece:
                yield event([{"text": piece, "index": choice["index"], "logprobs": None, "finish_reason": None}])
        yield event([{"text": "", "index": choice["index"], "logprobs": None, "finish_reason": choice["finish_reason"]}])
    if include_usage and "usage" in response:
        yield event([], usage=response["usage"])
    yield "data: [DONE]\n\n"


async def _json_body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError as error:
        raise ApiError(400, f"the request body is not valid JSON: {error}") from error
