"""Questions in German and English get cited answers from examples/shop; unknown ones
get "don't know" in the question's language."""


def test_german_shipping_austria_cites_shipping_policy(server):
    r = server.ask("Wie lange dauert der Versand nach Österreich?")
    assert r.status == 200, r.body
    j = r.json()
    assert "3 bis 5 Werktage" in j["answer"]
    assert "[1]" in j["answer"]
    assert j["sources"][0]["doc"] == "versand_de.md"
    assert j["sources"][0]["title"] == "Versand und Lieferung"
    assert isinstance(j["sources"][0]["chunk"], int) and j["sources"][0]["score"] > 0
    assert j["lang"] == "de"
    assert 0.5 <= j["confidence"] <= 1
    assert len(j["trace_id"]) == 32 and r.headers["x-trace-id"] == j["trace_id"]
    assert [s["name"] for s in j["stages"]] == [
        "http", "auth", "limit", "guard_in", "retrieve", "generate", "guard_out", "audit", "respond"]
    assert all(s["outcome"] == "ok" for s in j["stages"])


def test_english_shipping_austria_cites_english_page(server):
    r = server.ask("How long does shipping to Austria take?")
    assert r.status == 200
    j = r.json()
    assert "3 to 5 business days" in j["answer"]
    assert "shipping_en.md" in [s["doc"] for s in j["sources"]]
    assert j["lang"] == "en"


def test_product_price_is_quoted_from_the_catalogue(server):
    j = server.ask("Was kostet das Trekkingzelt Lumen 1?").json()
    assert "189,50 EUR" in j["answer"]
    assert j["sources"][0]["doc"] == "products.csv"


def test_lang_field_overrides_detection(server):
    j = server.ask("Austria", lang="de").json()
    assert j["lang"] == "de"


def test_unknown_question_gets_dont_know_in_german(server):
    j = server.ask("Verkauft ihr auch Autos?").json()
    assert "keine verlässliche Antwort" in j["answer"]
    assert j["sources"] == [] and j["confidence"] == 0


def test_unknown_question_gets_dont_know_in_english(server):
    j = server.ask("What is the capital of Mongolia?").json()
    assert "could not find a reliable answer" in j["answer"]
    assert j["sources"] == []


def test_health_and_ready_are_public(server):
    assert server.request("GET", "/healthz").json() == {"status": "ok"}
    assert server.request("GET", "/readyz").json() == {"status": "ready"}
