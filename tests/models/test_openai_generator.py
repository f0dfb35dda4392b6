"""The OpenAI-compatible backend against a small fake completions server started by the test."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from unscathed.config import SamplingSettings
from unscathed.models.openai_generator import CompletionsServerError, OpenAICompletionsGenerator


class FakeCompletions(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeCompletions.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        choices = []
        for p, prompt in enumerate(body["prompt"]):
            for k in range(body["n"]):
                tokens = [" He", " ran", ".", " Then", " more"]
                choices.append({"index": p * body["n"] + k, "text": "".join(tokens), "finish_reason": "length",
                                "logprobs": {"tokens": tokens, "token_logprobs": [-0.1, -0.2, -0.3, -0.4, -0.5]}})
        payload = json.dumps({"object": "text_completion", "choices": choices}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = HTTPServer(("127.0.0.1", 0), FakeCompletions)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    FakeCompletions.requests = []
    yield f"http://127.0.0.1:{httpd.server_port}/v1"
    httpd.shutdown()


def test_samples_and_cuts_to_first_sentence_with_matching_logprobs(server):
    gen = OpenAICompletionsGenerator(server, "smol", api_key="k")
    out = gen.sample(["a", "b"], 2, SamplingSettings(max_new_tokens=9, temperature=0.7))
    assert [[c.text for c in row] for row in out] == [["He ran."] * 2] * 2
    assert out[0][0].token_logprobs == (-0.1, -0.2, -0.3)
    request = FakeCompletions.requests[0]
    assert request["path"] == "/v1/completions"
    assert request["body"]["n"] == 2 and request["body"]["max_tokens"] == 9 and request["body"]["temperature"] == 0.7
    assert request["auth"] == "Bearer k"


def test_long_mode_keeps_everything(server):
    out = OpenAICompletionsGenerator(server, "smol").sample(["a"], 1, SamplingSettings(one_sentence=False))
    assert out[0][0].text == "He ran. Then more"


def test_server_error_is_reported(server):
    with pytest.raises(CompletionsServerError, match="500"):
        OpenAICompletionsGenerator(server, "broken").sample(["a"], 1, SamplingSettings())


def test_unreachable_server_is_reported():
    with pytest.raises(CompletionsServerError, match="failed"):
        OpenAICompletionsGenerator("http://127.0.0.1:9", "x", timeout=2).sample(["a"], 1, SamplingSettings())
