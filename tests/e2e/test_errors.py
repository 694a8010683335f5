"""Bad requests get the right status and a JSON error, and never take the server down."""
import pytest


def err(r, status, code):
    assert r.status == status, r.body
    j = r.json()
    assert set(j["error"]) == {"type", "message", "code"}
    assert j["error"]["code"] == code
    return j


@pytest.mark.parametrize("raw,code", [
    ("{", "bad_json"),
    ("not json", "bad_json"),
    ("[1,2]", "bad_json"),
    ('{"question":"a","question":"b"}', "bad_json"),
    ('{"question": 42}', "bad_type"),
    ('{"question": "x", "consent": "yes"}', "bad_type"),
    ('{"question": "x", "lang": "fr"}', "bad_value"),
    ('{"question": "   "}', "empty_question"),
    ('{"question": ""}', "empty_question"),
    ('{}', "missing_field"),
    ('{"question": "x", "quesiton": "y"}', "unknown_field"),
    ('{"question": "a\\u0000b"}', "bad_json"),  # jansson refuses NUL
])
def test_malformed_bodies_get_400(server, raw, code):
    r = server.request("POST", "/v1/ask", raw=raw, key=server.keys["client"])
    err(r, 400, code)
    assert server.request("GET", "/healthz").status == 200


def test_oversize_body_gets_413(server):
    r = server.request("POST", "/v1/ask", raw='{"question":"' + "a" * 70000 + '"}',
                       key=server.keys["client"])
    err(r, 413, "too_big")
    assert server.request("GET", "/healthz").status == 200


def test_oversize_question_gets_413(server):
    r = server.ask("Versand " * 600)
    err(r, 413, "too_big")


def test_unknown_route_404_and_wrong_method_405(server):
    err(server.request("GET", "/v1/nothing"), 404, "no_route")
    r = server.request("GET", "/v1/ask", key=server.keys["client"])
    err(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST, OPTIONS"
