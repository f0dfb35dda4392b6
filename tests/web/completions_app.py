"""The app the completions API tests serve with uvicorn: ``uvicorn --factory completions_app:make_app``.

Three filtered generators on tiny models, one per URL prefix (each its own models and lock, as the web
app's ``ModelService`` holds them):
- ``/open``: a digit scorer (a completion with a digit is "injurious"), calls recorded in a SQLite store;
- ``/closed``: the tiny random BERT classifier under a threshold nothing reaches, so every prompt fails closed;
- ``/keyed``: like ``/open`` without a store, behind an API key.
The test passes model directories and the database URL in ``$COMPLETIONS_APP`` (JSON).
"""

from __future__ import annotations

import json
import os
from typing import Sequence

import numpy as np
from fastapi import FastAPI

from unscathed.config import FilterPolicy, SamplingSettings
from unscathed.models.classifier import HFClassifier
from unscathed.models.generator import HFGenerator
from unscathed.snippet import Snippet
from unscathed.store import open_store
from unscathed.web.completions import CompletionsService, completions_router
from unscathed.web.models import ModelService

API_KEY = "test-key"
SETTINGS = SamplingSettings(max_new_tokens=12)


class DigitScorer:
    """P(injury) is 0.9 when the completion holds a digit, else 0.1: about half of tiny-model draws pass."""

    version = "digit-test"
    threshold = 0.5

    def score(self, snippets: Sequence[Snippet]) -> np.ndarray:
        return np.array([0.9 if any(ch.isdigit() for ch in s.completion) else 0.1 for s in snippets])


def make_app() -> FastAPI:
    config = json.loads(os.environ["COMPLETIONS_APP"])
    app = FastAPI()

    def generator() -> HFGenerator:
        return HFGenerator.from_pretrained(config["generator"], name="tiny")

    opened = generator()
    count = lambda text: len(opened.tokenizer(text)["input_ids"])  # noqa: E731
    open_service = CompletionsService(ModelService.ready(opened, DigitScorer()), FilterPolicy(max_attempts=64), open_store(config["db"]), settings=SETTINGS, count_tokens=count)
    closed = ModelService.ready(generator(), HFClassifier.load(config["encoder"], threshold=0.5))
    closed_service = CompletionsService(closed, FilterPolicy(threshold=1e-6, max_attempts=4, batch_size=4), settings=SETTINGS)
    keyed = ModelService.ready(generator(), DigitScorer())
    keyed_service = CompletionsService(keyed, FilterPolicy(max_attempts=64), settings=SETTINGS, api_key=API_KEY)
    app.include_router(completions_router(open_service), prefix="/open")
    app.include_router(completions_router(closed_service), prefix="/closed")
    app.include_router(completions_router(keyed_service), prefix="/keyed")
    return app
