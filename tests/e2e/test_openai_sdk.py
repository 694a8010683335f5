"""The official openai npm client (installed by scripts/setup.sh into the cache) talks to
agentgate unchanged: models, a JSON answer, a streamed answer with usage, and API errors."""
import json
import os
import subprocess

import pytest


OPENAI_NPM_VERSION = "7.60.0"  # scripts/setup.sh installs this one
CACHE = os.environ.get("AG_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "agentgate")
PKG = os.path.join(CACHE, f"node-openai-{OPENAI_NPM_VERSION}", "node_modules", "openai")
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openai_client.cjs")


def run_client(server, model):
    if not os.path.isdir(PKG):
        pytest.fail(f"the openai npm package is missing at {PKG}: run scripts/setup.sh")
    p = subprocess.run(["node", SCRIPT, PKG, f"http://127.0.0.1:{server.port}/v1",
                        server.keys["client"], model],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def test_openai_npm_client_json_stream_and_errors(server):
    out = run_client(server, "extractive")
    assert out["models"] == ["extractive"]
    j = out["json"]
    assert "3 bis 5 Werktage" in j["content"] and j["finish"] == "stop"
    assert j["agentgate"]["sources"][0]["doc"] == "versand_de.md"
    assert j["usage"]["total_tokens"] == 0
    s = out["stream"]
    assert s["content"] == j["content"] and s["finish"] == "stop"
    assert s["usage"] == j["usage"]
    assert s["agentgate"]["sources"][0]["doc"] == "versand_de.md"
    assert out["error"] == {"status": 400, "code": "system_not_allowed",
                            "type": "invalid_request", "name": "BadRequestError"}
    assert out["auth_error"] == {"status": 401, "name": "AuthenticationError"}


def test_openai_npm_client_through_the_upstream_pool(make_server, mock_upstream):
    from test_chat import proxy_env
    s = make_server(proxy_env(mock_upstream))
    out = run_client(s, "shop-assistant")
    assert out["models"] == ["shop-assistant"]
    want = "Der Versand nach Österreich dauert 3 bis 5 Werktage [1]."
    assert out["json"]["content"] == want and out["stream"]["content"] == want
    # exact counts: the mock's usage figures, passed through
    assert out["json"]["usage"]["completion_tokens"] == 10
    assert out["stream"]["usage"] == out["json"]["usage"]
    assert out["stream"]["agentgate"]["generation"]["backend"] == "openai"
