"""alpaca_eval's API annotator, end to end through alpaca_eval's own client code. Only the HTTP
server at the far end is fake: a local server that speaks the OpenAI chat-completions protocol
and prefers whichever output says "right"."""

from __future__ import annotations

import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.errors import ConfigError, ServiceError
from harness.evaluation.alpaca import alpaca_eval_scores
from harness.evaluation.annotators import build_annotator
from harness.records import PromptRecord

WIN, LOSE = -0.1, -2.4  # log-probs the fake gives the better and the worse identifier
P_FIRST_WHEN_BETTER = math.exp(WIN) / (math.exp(WIN) + math.exp(LOSE))


class FakeChatCompletions(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        user = body["messages"][-1]["content"]
        first, second = re.findall(r'"output": """(.*?)"""', user, re.S)
        if ("right" in first) == ("right" in second):
            lp_m = lp_big = -0.7
        else:
            lp_m, lp_big = (WIN, LOSE) if "right" in first else (LOSE, WIN)
        token = "m" if lp_m >= lp_big else "M"
        top = [{"token": "m", "logprob": lp_m, "bytes": None}, {"token": "M", "logprob": lp_big, "bytes": None}]
        reply = {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "length",
                         "message": {"role": "assistant", "content": token},
                         "logprobs": {"content": [{"token": token, "logprob": max(lp_m, lp_big), "bytes": None,
                                                   "top_logprobs": top}]}}],
            "usage": {"prompt_tokens": 300, "completion_tokens": 1, "total_tokens": 301},
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


class RefusesTheKey(BaseHTTPRequestHandler):
    """An endpoint that answers every request as OpenAI does for a revoked key."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        data = json.dumps({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                                     "code": "invalid_api_key"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def _serve(handler, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.delenv("OPENAI_CLIENT_CONFIG_PATH", raising=False)
    return server


@pytest.fixture
def fake_openai(monkeypatch):
    server = _serve(FakeChatCompletions, monkeypatch)
    yield server
    server.shutdown()


def _prompts(n):
    return [PromptRecord(id=f"p{i}", instruction=f"Question number {i}?", reference=f"reference answer {i} (wrong)")
            for i in range(n)]


def test_official_config_is_called_as_alpaca_eval_calls_it(fake_openai, tmp_path):
    annotator = build_annotator("api", cache_root=str(tmp_path), api_config="weighted_alpaca_eval_gpt4_turbo")
    prompts = _prompts(2)
    prefs = annotator.prefer(prompts, ["the right answer", "a wrong answer"], ["a wrong answer", "the right answer"])
    # preference 1 = the first output is better; the weighted annotator gives 2 - P(first better)
    assert prefs[0] == pytest.approx(2 - P_FIRST_WHEN_BETTER, abs=1e-6)
    assert prefs[1] == pytest.approx(1 + P_FIRST_WHEN_BETTER, abs=1e-6)
    assert len(fake_openai.requests) == 2
    request = fake_openai.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test-key"
    body = request["body"]
    assert body["model"] == "gpt-4-1106-preview"
    assert body["max_tokens"] == 1 and body["logprobs"] is True and body["top_logprobs"] == 5
    assert annotator.name == "api:weighted_alpaca_eval_gpt4_turbo"
    assert annotator.cost_usd > 0


def test_annotations_are_cached_across_orders_and_processes(fake_openai, tmp_path):
    annotator = build_annotator("api", cache_root=str(tmp_path), seed=3)
    prompts = _prompts(3)
    first = annotator.prefer(prompts, ["right a", "wrong b", "right c"], ["wrong a", "right b", "wrong c"])
    sent = len(fake_openai.requests)
    assert sent == 3
    # the same comparisons in the other order: answered from the cache, flipped back
    again = annotator.prefer(prompts, ["wrong a", "right b", "wrong c"], ["right a", "wrong b", "right c"])
    assert again == pytest.approx([3 - p for p in first])
    assert len(fake_openai.requests) == sent
    assert list((tmp_path / "alpaca_eval_annotations").glob("*.json"))  # alpaca_eval's cache file on disk


def test_alpaca_eval_scores_with_the_api_annotator(fake_openai, tmp_path):
    annotator = build_annotator("api", cache_root=str(tmp_path))
    prompts = _prompts(20)
    outputs = [f"the right answer {i}" if i < 15 else f"also wrong {i}" for i in range(20)]
    scores = alpaca_eval_scores(prompts, outputs, annotator, generator="m", seed=0)
    # 15 clear wins at P = P_FIRST_WHEN_BETTER, 5 draws (both outputs lack "right")
    expected = 100 * (15 * P_FIRST_WHEN_BETTER + 5 * 0.5) / 20
    assert scores["win_rate"] == pytest.approx(expected, abs=0.01)
    assert scores["annotator"] == "api:weighted_alpaca_eval_gpt4_turbo"
    assert scores["annotator_failures"] == 0 and scores["n"] == 20
    assert 0 <= scores["lc_win_rate"] <= 100 and scores["lc_gamed"] == "built"
    assert scores["annotation_cost_usd"] > 0
    # 20 model outputs and 20 verbose gamed references; the concise rewrite of these one-sentence
    # references is the reference itself, which alpaca_eval scores as a draw without a call
    assert len(fake_openai.requests) == 40


def test_missing_key_is_a_clear_config_error(monkeypatch, tmp_path):
    for var in ("OPENAI_API_KEY", "OPENAI_API_KEYS", "OPENAI_CLIENT_CONFIG_PATH"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_annotator("api", cache_root=str(tmp_path), api_config="a_config_never_cached", seed=99)


def test_no_network_is_one_paragraph_naming_the_address(monkeypatch, tmp_path):
    # a port nobody listens on: the connection is refused, as with no network or a wrong address
    closed = ThreadingHTTPServer(("127.0.0.1", 0), RefusesTheKey)
    port = closed.server_address[1]
    closed.server_close()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    annotator = build_annotator("api", cache_root=str(tmp_path), seed=5)
    with pytest.raises(ServiceError) as err:
        annotator.prefer(_prompts(1), ["the right answer"], ["a wrong answer"])
    message = str(err.value)
    assert f"cannot reach http://127.0.0.1:{port}/v1/chat/completions" in message
    assert "OPENAI_BASE_URL" in message and "the same command resumes" in message


def test_a_refused_key_is_one_paragraph(monkeypatch, tmp_path):
    server = _serve(RefusesTheKey, monkeypatch)
    try:
        annotator = build_annotator("api", cache_root=str(tmp_path), seed=6)
        with pytest.raises(ServiceError, match="refused the API key"):
            annotator.prefer(_prompts(1), ["the right answer"], ["a wrong answer"])
    finally:
        server.shutdown()


def test_unknown_alpaca_eval_config_is_named(fake_openai, tmp_path):
    with pytest.raises(ConfigError, match="no_such_annotator"):
        build_annotator("api", cache_root=str(tmp_path), api_config="no_such_annotator")


def test_selfalign_alpaca_scores_a_json_file_with_the_api_annotator(fake_openai, tmp_path, capsys):
    from harness.alpaca_cli import main

    rows = [{"instruction": f"Question {i}?", "output": f"the right answer {i}" if i % 2 else f"nope {i}",
             "reference": f"a wrong reference {i}", "generator": "mine"} for i in range(6)]
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(rows))
    main([str(outputs), "--annotator", "api", "--cache", str(tmp_path / "cache")])
    captured = capsys.readouterr()
    (row,) = json.loads(captured.err.strip().splitlines()[-1])
    assert row["generator"] == "mine" and row["annotator"] == "api:weighted_alpaca_eval_gpt4_turbo"
    # three clear wins; three draws (neither output says "right")
    assert row["win_rate"] == pytest.approx(100 * (3 * P_FIRST_WHEN_BETTER + 3 * 0.5) / 6, abs=0.01)
    assert "| mine | api:weighted_alpaca_eval_gpt4_turbo |" in captured.out
