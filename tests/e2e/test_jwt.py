"""OAuth2/OIDC bearer JWTs (HS256 here; RS256 and ES256 are covered by the unit tests).

The server gets an HS256 secret file, an issuer, an audience and a role map through
AGENTGATE_* variables; tokens are minted with the standard library. A refused token gets
401 with no hint of why; the reason is in the server log, and the token is not.
"""
import base64
import hashlib
import hmac
import json
import time

import pytest

SECRET = b"e2e-secret-0123456789abcdef-0123456789"
ISS = "https://issuer.e2e/"
AUD = "agentgate"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(claims=None, header=None, secret=SECRET, **over):
    c = {"iss": ISS, "aud": AUD, "sub": "customer-42", "exp": int(time.time()) + 300,
         "tenant": "default", "roles": ["customer"]}
    c.update(claims or {})
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    h = header or {"alg": "HS256", "typ": "JWT"}
    si = b64(json.dumps(h).encode()) + "." + b64(json.dumps(c).encode())
    return si + "." + b64(hmac.new(secret, si.encode(), hashlib.sha256).digest())


@pytest.fixture
def jwt_server(make_server, tmp_path):
    path = tmp_path / "jwt.secret"
    path.write_bytes(SECRET + b"\n")
    return make_server({
        "AGENTGATE_JWT_HS256_SECRET_FILE": str(path),
        "AGENTGATE_JWT_ISSUER": ISS,
        "AGENTGATE_JWT_AUDIENCE": AUD,
        "AGENTGATE_JWT_ROLE_MAP": "customer client;support-agent reviewer",
    })


def ask(server, token):
    return server.request("POST", "/v1/ask", {"question": "Versand nach Österreich"}, key=token)


def test_good_token_200(jwt_server):
    r = ask(jwt_server, mint())
    assert r.status == 200, r.body
    assert ask(jwt_server, mint(roles="support-agent")).status == 200
    # API keys keep working beside JWTs
    assert jwt_server.ask("Versand nach Österreich").status == 200


def test_bad_tokens_401_reason_only_in_log(jwt_server):
    good = mint()
    head, body, sig = good.split(".")
    cases = {
        "expired": mint(exp=int(time.time()) - 3600),
        "wrong_issuer": mint(iss="https://evil.e2e/"),
        "wrong_audience": mint(aud=["other"]),
        "bad_signature": mint(secret=b"another-secret-0123456789abcdef-xyz"),
        "alg_none": b64(b'{"alg":"none"}') + "." + body + ".",
        "unknown_kid": mint(header={"alg": "HS256", "kid": "nope"}),
        "bad_base64": head + "==." + body + "." + sig,
        "malformed": head + "." + body,
        "no_tenant": mint(tenant=None),
        "oversize": mint(pad="x" * 9000),
    }
    for reason, token in cases.items():
        r = ask(jwt_server, token)
        assert r.status == 401, (reason, r.body)
        text = r.body.decode()
        assert reason not in text, reason
        assert r.json()["error"]["code"] == "invalid_key"
    log = jwt_server.read_log()
    for reason in cases:
        assert f"auth: jwt rejected reason={reason}" in log, reason
    for token in cases.values():
        assert token[:40] not in log
    assert good not in log


def test_unmapped_role_403(jwt_server):
    r = ask(jwt_server, mint(roles=["someone"]))
    assert r.status == 403
    assert "auth: jwt rejected reason=no_role" in jwt_server.read_log()


def test_jwt_needs_a_verifier(server):
    # with no jwt_* keys a JWT is not a credential
    r = ask(server, mint())
    assert r.status == 401


def test_bad_subject_401_reason_logged(jwt_server):
    for sub in ["a\u0001b", "line\nbreak", "x" * 129, ""]:
        r = ask(jwt_server, mint(sub=sub))
        assert r.status == 401, repr(sub)
    assert jwt_server.read_log().count("auth: jwt rejected reason=bad_subject") >= 4
    assert ask(jwt_server, mint(sub="x" * 128)).status == 200


def test_token_subject_is_the_data_subject(jwt_server):
    """A token's sub names the person: it wins over the body's subject for consent,
    stored content and export."""
    body = {"question": "Versand Kranich-77 nach Österreich", "subject": "someone-else",
            "consent": True}
    r = jwt_server.request("POST", "/v1/ask", body, key=mint())
    assert r.status == 200, r.body
    admin = jwt_server.keys["admin"]
    ex = jwt_server.request("GET", "/v1/subjects/customer-42/export", key=admin).json()
    turns = [x for x in ex["records"] if x["event"] == "turn"]
    assert len(turns) == 1 and "Kranich-77" in turns[0]["content"]["question"]
    other = jwt_server.request("GET", "/v1/subjects/someone-else/export", key=admin).json()
    assert other["records"] == []
