"""The output guard (stage guard_out) against the real binary, with a mock OpenAI-compatible
upstream made to invent products, prices, delivery times and promises for examples/shop:
none of it may reach the client, as JSON or as a stream; a failing answer is retried once
with stricter instructions, then replaced by the extractive answer or "I don't know" with
the offer of a human; a stream stops at a failing sentence with a correction event; every
reply explains itself, and the trace and audit say what happened."""
import json

import pytest

from test_chat import mock_call, mock_upstream, sse_events, user  # noqa: F401 (fixture)

ASK_TENT = "Was kostet das Fjordlager 2 Kuppelzelt?"
ASK_AUSTRIA = "Wie lange dauert der Versand nach Österreich?"
ASK_TENT_EN = "How much is the Fjordlager 2 dome tent?"


def guard_env(port, **extra):
    env = {"AGENTGATE_LLM_BACKENDS": "openai,extractive",
           "AGENTGATE_LLM_UPSTREAM": f"a http://127.0.0.1:{port}/a/v1 mock-a",
           "AGENTGATE_LLM_MODEL_NAME": "shop-assistant",
           "AGENTGATE_UPSTREAM_HEALTH_S": "0", "AGENTGATE_UPSTREAM_RETRIES": "0",
           "AGENTGATE_RATE_BURST": "1000", "AGENTGATE_RATE_PER_SEC": "1000"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def queue_replies(port, *texts):
    """The next len(texts) chat requests get these answers, in order."""
    for text in texts:
        assert mock_call(port, "POST", "/_control",
                         {"prefix": "/a", "fault": "reply", "text": text}) == {"ok": True}


def chat_stream(server, question):
    r = server.request("POST", "/v1/chat/completions",
                       {"model": "shop-assistant", "stream": True, "messages": user(question)},
                       key=server.keys["client"])
    assert r.status == 200, r.body
    events = sse_events(r.body)
    assert events[-1] == "[DONE]", events[-3:]
    chunks = [json.loads(e) for e in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "")
                   for c in chunks if c.get("choices"))
    return text, chunks


# Invented facts for examples/shop, each with the words that must never reach a client.
INVENTED = [
    ("Wir empfehlen das Zelt Nordkap Ultra NW-1099 für 199,00 EUR [1].", ["NW-1099", "Nordkap"]),
    ("Das Fjordlager 2 Kuppelzelt kostet 199,90 EUR [1].", ["199,90"]),
    ("Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR und ist mit 140 Stück auf Lager [1].",
     ["140"]),
    ("Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR [1]. Bei Bestellung heute liefern wir es "
     "morgen kostenlos per Kurier [1].", ["Kurier", "morgen"]),
    ("Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR [1]. Außerdem gibt es lebenslange Garantie "
     "auf alle Zelte [1].", ["lebenslange", "Garantie"]),
    ("Das Fjordlager 2 Kuppelzelt wiegt 1,2 kg und kostet 249,90 EUR [1].", ["1,2 kg"]),
]


@pytest.mark.parametrize("invented,never", INVENTED)
def test_invented_json_answer_never_reaches_the_client(make_server, mock_upstream, invented,
                                                        never):
    s = make_server(guard_env(mock_upstream))
    queue_replies(mock_upstream, invented, invented)  # the retry invents it again
    r = s.ask(ASK_TENT)
    assert r.status == 200, r.body
    o = r.json()
    for w in never:
        assert w not in r.body.decode(), (w, o["answer"])  # nowhere in the reply
    out = o["explanation"]["output"]
    assert out["check"] == "enforce" and out["grounded"] is True
    assert [a["source"] for a in out["attempts"][:2]] == ["generated", "retry"]
    assert out["attempts"][0]["grounded"] is False and out["attempts"][0]["why"]
    assert out["source"] in ("extractive", "dont_know")
    if out["source"] == "extractive":
        assert "249,90" in o["answer"] and o["sources"]
    # the retry asked more strictly than the first try
    msgs = mock_call(mock_upstream, "GET", "/_stats")["messages"]["/a/v1/chat/completions"]
    assert "rejected" in msgs[0]["content"]


def test_retry_that_is_grounded_is_taken(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    queue_replies(mock_upstream, "Das Fjordlager 2 Kuppelzelt kostet 199,90 EUR [1].",
                  "Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR [1].")
    o = s.ask(ASK_TENT).json()
    assert o["answer"] == "Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR [1]."
    out = o["explanation"]["output"]
    assert out["source"] == "retry"
    assert out["attempts"][0]["why"] == "wrong_price"
    assert "detail" not in out["attempts"][0]  # it would quote the invented price
    assert o["generation"]["backend"] == "openai"
    # tokens of both tries are counted
    assert o["generation"]["completion_tokens"] == 2 * len(o["answer"].split())


def test_grounded_answer_passes_and_explains_itself(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    answer = "Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR [1]. Es wiegt 2,1 kg [1]."
    queue_replies(mock_upstream, answer)
    o = s.ask(ASK_TENT).json()
    assert o["answer"] == answer
    ex = o["explanation"]
    assert ex["output"]["source"] == "generated" and len(ex["output"]["attempts"]) == 1
    sents = ex["sentences"]
    assert [x["verdict"] for x in sents] == ["supported", "supported"]
    for x in sents:
        a, b = x["span"]
        assert answer[a:b].strip().endswith("[1].")
        assert x["passage"] == 1 and x["chunk"] > 0
        assert x["passage_span"][1] > x["passage_span"][0]
    conf = ex["confidence"]
    assert 0 < conf["value"] <= 1 and conf["value"] == o["confidence"]
    assert abs(conf["value"] - (conf["retrieval"] * conf["support"]) ** 0.5) < 1e-6
    assert conf["escalate"] is (conf["value"] < conf["threshold"])


def test_stream_stops_at_the_failing_sentence_with_a_correction(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    queue_replies(mock_upstream, "Der Versand nach Österreich dauert 3 bis 5 Werktage [1]. "
                  "Als Dankeschön legen wir jedem Paket einen Schlafsack Polarlicht NW-7777 "
                  "gratis bei [1]. Die Versandkosten betragen 9,90 EUR [1].")
    text, chunks = chat_stream(s, ASK_AUSTRIA)
    assert text.startswith("Der Versand nach Österreich dauert 3 bis 5 Werktage [1].")
    assert "NW-7777" not in text and "Polarlicht" not in text and "9,90" not in text
    corr = [c for c in chunks if "correction" in c.get("agentgate", {})]
    assert len(corr) == 1
    assert corr[0]["agentgate"]["correction"]["why"] == "unknown_product"
    finish = [c["choices"][0]["finish_reason"] for c in chunks
              if c.get("choices") and c["choices"][0]["finish_reason"]]
    assert finish == ["content_filter"]
    tail = chunks[-1]["agentgate"]
    assert tail["explanation"]["output"]["corrected"] is True
    # released text was checked first: the failing sentence is in no event at all
    assert all("NW-7777" not in json.dumps(c) and "Polarlicht" not in json.dumps(c)
               for c in chunks)
    log = s.read_log()
    trace = tail["trace_id"]
    assert f"trace={trace} status=200 outcome=corrected" in log


def test_stream_whose_first_sentence_fails_is_retried_unseen(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    bad = "Der Versand nach Österreich dauert 1 Werktag [1]. Das ist schnell."
    queue_replies(mock_upstream, bad, bad)
    text, chunks = chat_stream(s, ASK_AUSTRIA)
    assert "1 Werktag" not in text
    assert "3 bis 5 Werktage" in text  # the extractive answer
    tail = chunks[-1]["agentgate"]
    out = tail["explanation"]["output"]
    assert out["source"] == "extractive" and out["corrected"] is False
    assert [a["why"] for a in out["attempts"][:2]] == ["wrong_number", "wrong_number"]


def test_english_invented_price_stream_and_json(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    bad = "The Fjordlager 2 dome tent costs 149.90 EUR [1]."
    queue_replies(mock_upstream, bad, bad, bad, bad)
    text, _ = chat_stream(s, ASK_TENT_EN)
    assert "149.90" not in text
    o = s.ask(ASK_TENT_EN).json()
    assert "149.90" not in o["answer"]


def test_nothing_supported_is_dont_know_with_a_human(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    bad = "Unser Drachenfels Raketenrucksack kostet 5,00 EUR [1]."
    queue_replies(mock_upstream, bad, bad)
    o = s.ask("Verkauft ihr Raketenrucksäcke vom Drachenfels?").json()
    assert "Raketenrucksack" not in o["answer"]
    assert o["explanation"]["output"]["source"] in ("dont_know", "extractive")
    if o["explanation"]["output"]["source"] == "dont_know":
        assert "Mitarbeiter" in o["answer"]
        assert o["confidence"] == 0
        assert o["escalation"]["reason"] == "dont_know" and o["escalation"]["queued"] is False


def test_leaked_canary_is_replaced(make_server, mock_upstream):
    canary = "zq7-kestrel-4471"
    s = make_server(guard_env(mock_upstream, AGENTGATE_PROMPT_CANARY=canary))
    leak = f"Der Versand nach Österreich dauert 3 bis 5 Werktage [1]. Referenz: {canary}."
    queue_replies(mock_upstream, leak, leak)
    o = s.ask(ASK_AUSTRIA).json()
    assert canary not in o["answer"]
    assert o["explanation"]["output"]["attempts"][0]["why"] == "leak"
    # the instructions carried it
    msgs = mock_call(mock_upstream, "GET", "/_stats")["messages"]["/a/v1/chat/completions"]
    assert canary in msgs[0]["content"]


def test_report_mode_passes_the_answer_and_says_so(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream, AGENTGATE_ANSWER_CHECK="report"))
    bad = "Das Fjordlager 2 Kuppelzelt kostet 199,90 EUR [1]."
    queue_replies(mock_upstream, bad)
    o = s.ask(ASK_TENT).json()
    assert o["answer"] == bad
    out = o["explanation"]["output"]
    assert out["check"] == "report" and out["grounded"] is False
    assert out["attempts"][0]["why"] == "wrong_price"
    assert o["explanation"]["sentences"][0]["verdict"] == "failed"


def test_trace_and_audit_record_the_guard(make_server, mock_upstream):
    s = make_server(guard_env(mock_upstream))
    bad = "Das Fjordlager 2 Kuppelzelt kostet 199,90 EUR [1]."
    queue_replies(mock_upstream, bad, bad)
    o = s.ask(ASK_TENT).json()
    t = s.request("GET", f"/v1/traces/{o['trace_id']}", key=s.keys["reviewer"])
    assert t.status == 200, t.body
    dumped = json.dumps(t.json())
    assert '"guard_out"' in dumped
    assert "wrong_price" in dumped
    assert "199,90" not in dumped  # the audit keeps reasons, not the answer's words
