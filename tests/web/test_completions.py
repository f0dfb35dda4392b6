"""The filtered completions API, served by a real uvicorn process and called with the official ``openai`` client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest
from conftest import free_port
from fastapi.testclient import TestClient
from web_helpers import app, template_db, tiny_models  # noqa: F401 (fixtures of the web app)

from unscathed.store import open_store

HERE = Path(__file__).parent
MODEL = "unscathed-filtered"
PROMPTS = ["The knight rode to the castle and", "She opened the old door and"]


def _wait_until_up(process: subprocess.Popen, url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}: {process.stdout.read()[-3000:]}")
        try:
            reply = httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
            continue
        if reply.status_code != 200:
            raise RuntimeError(f"the server answered {url} with {reply.status_code}: {reply.text[:500]}")
        return
    raise TimeoutError(f"the server did not answer {url} within {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_generator_dir, tiny_encoder_dir):
    """Base URL of a uvicorn process on a free loopback port serving tests/web/completions_app.py."""
    db = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}"
    port = free_port()
    env = {**os.environ, "COMPLETIONS_APP": json.dumps({"generator": str(tiny_generator_dir), "encoder": str(tiny_encoder_dir), "db": db})}
    command = [sys.executable, "-m", "uvicorn", "--factory", "completions_app:make_app", "--app-dir", str(HERE), "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, f"{base}/open/v1/models")
        yield {"base": base, "db": db}
    finally:
        process.terminate()
        process.wait(timeout=30)


def client(server, prefix: str = "open", key: str = "unused") -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server['base']}/{prefix}/v1", api_key=key, max_retries=0, timeout=120)


def test_models_lists_the_served_model(server):
    assert [m.id for m in client(server).models.list()] == [MODEL]


def test_only_accepted_completions_come_back_for_each_prompt_and_n(server):
    before = len(open_store(server["db"]).requests())
    response = client(server).completions.create(model=MODEL, prompt=PROMPTS, n=3, seed=1)
    assert response.object == "text_completion" and response.model == MODEL and response.id.startswith("cmpl-")
    assert [c.index for c in response.choices] == list(range(6))
    assert all(c.finish_reason in ("stop", "length") and c.logprobs is None for c in response.choices)
    # The digit scorer calls a completion with a digit injurious: none may come back.
    assert not any(ch.isdigit() for c in response.choices for ch in c.text)
    requests = open_store(server["db"]).requests()[before:]
    assert [r.prompt for r in requests] == [p for p in PROMPTS for _ in range(3)]
    for choice, request in zip(response.choices, requests):
        accepted = [c for c in request.candidates if c.accepted]
        assert len(accepted) == 1 and accepted[0].completion == choice.text and accepted[0].p_injury < accepted[0].threshold
    assert any(not c.accepted for r in requests for c in r.candidates), "the scorer rejected nothing: the test proves nothing"
    usage = response.usage
    assert usage.prompt_tokens == sum(len(p) for p in PROMPTS) and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_a_prompt_where_nothing_passes_gets_an_empty_content_filter_choice(server):
    response = client(server, "closed").completions.create(model=MODEL, prompt="The dragon turned and", n=2)
    assert [(c.index, c.text, c.finish_reason) for c in response.choices] == [(0, "", "content_filter"), (1, "", "content_filter")]


def test_stop_sequences_cut_the_completion_before_it_is_scored(server):
    before = len(open_store(server["db"]).requests())
    response = client(server).completions.create(model=MODEL, prompt=PROMPTS[0], n=4, stop=["a", "e"], seed=3)
    assert not any(ch in c.text for c in response.choices for ch in "ae")
    requests = open_store(server["db"]).requests()[before:]
    assert [next(c.completion for c in r.candidates if c.accepted) for r in requests] == [c.text for c in response.choices]
    assert all("stop#" in r.generator for r in requests)  # a digest of the stops, not a copy in every row


def test_stream_true_streams_the_accepted_completions_to_the_official_client(server):
    api = client(server)
    plain = api.completions.create(model=MODEL, prompt=PROMPTS, n=2, seed=11)
    chunks = list(api.completions.create(model=MODEL, prompt=PROMPTS, n=2, seed=11, stream=True, stream_options={"include_usage": True}))
    texts, reasons = {}, {}
    for chunk in chunks:
        for choice in chunk.choices:
            texts[choice.index] = texts.get(choice.index, "") + choice.text
            if choice.finish_reason:
                reasons[choice.index] = choice.finish_reason
    # The same seed gives the same accepted completions, streamed piece by piece once the filter accepted them.
    assert texts == {c.index: c.text for c in plain.choices} and reasons == {c.index: c.finish_reason for c in plain.choices}
    assert sum(1 for c in chunks if c.choices) > len(plain.choices)  # more than one event per choice
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == plain.usage.total_tokens


def test_seeded_requests_are_reproducible_even_when_sent_concurrently(server):
    api = client(server)

    def texts() -> list[str]:
        return [c.text for c in api.completions.create(model=MODEL, prompt=PROMPTS[1], n=2, seed=7).choices]

    expected = texts()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: texts(), range(6)))
    # Without the model lock, interleaved requests would draw from one another's random streams.
    assert results == [expected] * 6


def test_an_api_key_is_required_when_configured(server):
    with pytest.raises(openai.AuthenticationError) as refused:
        client(server, "keyed", key="wrong").completions.create(model=MODEL, prompt=PROMPTS[0])
    assert refused.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        client(server, "keyed", key="wrong").models.list()
    response = client(server, "keyed", key="test-key").completions.create(model=MODEL, prompt=PROMPTS[0])
    assert len(response.choices) == 1


@pytest.mark.parametrize(
    "arguments, param, words",
    [
        ({"prompt": "x", "n": 0}, "n", "greater than or equal to 1"),
        ({"prompt": "x", "n": 9}, "n", "at most 8"),
        ({"prompt": ["a"] * 5, "n": 8}, "n", "at most 32"),
        ({"prompt": "   "}, "prompt", "empty"),
        ({"prompt": ["fine", ""]}, "prompt", "prompt[1] is empty"),
        ({"prompt": []}, "prompt", "empty list"),
        ({"prompt": [1, 2, 3]}, "prompt", "token-id prompts are not supported"),
        ({"prompt": "x", "temperature": 5}, "temperature", "less than or equal to 2"),
        ({"prompt": "x", "max_tokens": 10_000}, "max_tokens", "at most 256"),
        ({"prompt": "x", "logprobs": 2}, "logprobs", "not supported"),
        ({"prompt": "x", "best_of": 3}, "best_of", "not supported"),
        ({"prompt": "x", "extra_body": {"colour": "red"}}, "colour", "Unrecognized request argument supplied: colour"),
        ({"prompt": "x", "stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4"),
        ({"prompt": "x", "stop": "x" * 65}, "stop", "more than 64 characters"),
        ({"prompt": "x", "seed": 2**70}, "seed", "seed must be an integer"),
        ({"prompt": "x", "user": "u" * 257}, "user", "at most 256"),
    ],
)
def test_bad_input_is_refused_with_openai_shaped_400(server, arguments, param, words):
    with pytest.raises(openai.BadRequestError) as refused:
        client(server).completions.create(model=MODEL, **arguments)
    assert refused.value.param == param and words in refused.value.message


def test_the_key_scheme_is_case_insensitive_and_the_body_must_be_json(server):
    base = f"{server['base']}/keyed/v1"
    body = {"model": MODEL, "prompt": PROMPTS[0], "max_tokens": 4}
    assert httpx.post(f"{base}/completions", json=body, headers={"Authorization": "bearer test-key"}, timeout=120).status_code == 200
    form = httpx.post(f"{base}/completions", content=json.dumps(body), headers={"Authorization": "Bearer test-key", "Content-Type": "text/plain"})
    assert form.status_code == 415 and "application/json" in form.json()["error"]["message"]


def test_unknown_model_is_404_and_a_malformed_body_is_400(server):
    with pytest.raises(openai.NotFoundError) as missing:
        client(server).completions.create(model="gpt-4", prompt="x")
    assert missing.value.code == "model_not_found"
    reply = httpx.post(f"{server['base']}/open/v1/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and "not valid JSON" in reply.json()["error"]["message"]


def test_the_web_app_mounts_the_api_on_its_models_and_store(app):
    client = TestClient(app)
    assert client.get("/v1/models").json()["data"][0]["id"] == MODEL
    reply = client.post("/v1/completions", json={"model": MODEL, "prompt": "The door opened and", "n": 2})
    assert reply.status_code == 200 and [c["index"] for c in reply.json()["choices"]] == [0, 1]
    assert [r.prompt for r in app.state.unscathed.store.requests()] == ["The door opened and"] * 2


def test_requests_beyond_the_admission_limit_get_429_and_never_touch_the_model():
    """With one admission slot held by a request waiting for the model, the next is told to retry at once."""
    import asyncio
    import threading

    from fastapi import FastAPI

    from unscathed.web.completions import CompletionsLimits, CompletionsService, completions_router

    release, started = threading.Event(), threading.Event()

    class SlowModels:
        lock = threading.Lock()

        @property
        def generator(self):
            started.set()
            release.wait(30)
            raise RuntimeError("stop here: the test only needs the request to hold its slot")

        @property
        def classifier(self):
            return None

    service = CompletionsService(SlowModels(), limits=CompletionsLimits(max_waiting=1))
    app = FastAPI()
    app.include_router(completions_router(service))

    async def scenario():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
            body = {"model": MODEL, "prompt": "x"}
            first = asyncio.create_task(api.post("/v1/completions", json=body))
            while not started.is_set():
                await asyncio.sleep(0.01)
            second = await api.post("/v1/completions", json=body)
            release.set()
            await first
            return second

    second = asyncio.run(scenario())
    assert second.status_code == 429 and second.headers["retry-after"] == "5" and second.json()["error"]["code"] == "rate_limit_exceeded"


def test_serve_refuses_an_open_api_off_loopback():
    from unscathed.cli.serve import open_api_refusal

    assert "UNSCATHED_API_KEY" in open_api_refusal("0.0.0.0", None, False)
    assert open_api_refusal("127.0.0.1", None, False) is None
    assert open_api_refusal("0.0.0.0", "k", False) is None and open_api_refusal("0.0.0.0", None, True) is None
