"""agentgate validate and agentgate eval answers, driven through the binary: one output
line per input (errors included, exit status 1 after a bad line), the catalogue of a data
directory taking part, and the evaluation's figures on a small labelled file. Each CLI
call has run_cli's time limit."""
import json
import os

from conftest import SHOP, SRC, run_cli

SMALL = os.path.join(SRC, "tests", "data", "answers_small", "labelled.jsonl")
VERSAND = ("Versand nach Österreich: Der Versand nach Österreich dauert 3 bis 5 Werktage. "
           "Die Versandkosten nach Österreich betragen 9,90 EUR pro Bestellung.")


def lines(text):
    return [json.loads(x) for x in text.splitlines()]


def test_validate_grounded_hallucinated_and_bad_lines():
    rows = [
        {"id": "ok", "question": "Wie lange dauert der Versand?", "context": [VERSAND],
         "answer": "Gern! Der Versand nach Österreich dauert 3–5 Werktage und kostet 9,90 € [1]."},
        {"id": 2, "question": "Wie lange?", "context": [VERSAND], "lang": "de",
         "answer": "Der Versand nach Österreich dauert 3 bis 5 Werktage [1]. Er kostet 4,90 EUR [2]."},
        {"id": "bad", "context": "not a list", "answer": "x"},
        {"id": "empty", "context": [VERSAND], "answer": ""},
        {"id": "en", "question": "Return?", "context": ["Returns are free within 30 days."],
         "answer": "Returns are free within 30 days [1]. We also refund shipping on every order "
                   "with a lifetime guarantee."},
    ]
    stdin = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{oops\n"
    p = run_cli("validate", check=False, stdin=stdin)
    assert p.returncode == 1, p.stderr
    out = lines(p.stdout)
    assert [o["id"] for o in out] == ["ok", 2, "bad", "empty", "en", None]
    assert out[0]["grounded"] is True and out[0]["unsupported"] == []
    assert out[0]["support_min"] > 0.5
    assert out[1]["grounded"] is False
    whys = [u["why"] for u in out[1]["unsupported"]]
    assert whys == ["bad_citation"]
    assert out[1]["unsupported"][0]["sentence"] == "Er kostet 4,90 EUR [2]."
    assert "context" in out[2]["error"]
    assert "empty" in out[3]["error"]
    assert out[4]["unsupported"][0]["why"] == "unsupported"
    assert "refund" in out[4]["unsupported"][0]["detail"]
    assert "error" in out[5]


def test_validate_threshold_and_clean_exit():
    row = {"id": 1, "context": ["Returns are free within 30 days."],
           "answer": "Returns are free within 30 days for unworn jackets."}
    strict = run_cli("validate", "--threshold", "1", stdin=json.dumps(row) + "\n")
    assert lines(strict.stdout)[0]["grounded"] is False
    loose = run_cli("validate", "--threshold", "0.5", stdin=json.dumps(row) + "\n")
    assert loose.returncode == 0 and lines(loose.stdout)[0]["grounded"] is True
    bad = run_cli("validate", "--threshold", "2", check=False, stdin="")
    assert bad.returncode == 2 and "threshold" in bad.stderr


def test_validate_uses_the_catalogue(tmp_path):
    data = str(tmp_path / "data")
    run_cli("ingest", os.path.join(SHOP, "products.csv"), data=data)
    # the passage does not give the price; the catalogue (NW-1001 at 249.90 EUR, 14 in stock) does
    ctx = ["Das Fjordlager 2 Kuppelzelt ist ein leichtes Kuppelzelt für zwei Personen."]
    rows = [
        {"id": "right", "context": ctx, "lang": "de",
         "answer": "Das Fjordlager 2 Kuppelzelt kostet 249,90 EUR und ist auf Lager."},
        {"id": "price", "context": ctx, "lang": "de",
         "answer": "Das Fjordlager 2 Kuppelzelt kostet 219,90 EUR."},
        {"id": "stock", "context": ctx, "lang": "en",
         "answer": "The Fjordlager 2 Kuppelzelt (NW-1001) is out of stock."},
    ]
    stdin = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n"
    out = lines(run_cli("validate", data=data, stdin=stdin).stdout)
    assert out[0]["grounded"] is True, out[0]
    assert out[1]["unsupported"][0]["why"] == "wrong_price"
    assert "249.90" in out[1]["unsupported"][0]["detail"]
    assert out[2]["unsupported"][0]["why"] == "wrong_stock"
    # without the catalogue the price is simply not in the passages
    plain = lines(run_cli("validate", stdin=stdin).stdout)
    assert plain[0]["grounded"] is False
    missing = run_cli("validate", check=False, stdin="", data=str(tmp_path / "nothing"))
    assert missing.returncode == 1 and "kb.db" in missing.stderr


def test_eval_answers_on_a_small_set():
    p = run_cli("eval", "answers", "--docs", SMALL, "--json")
    r = json.loads(p.stdout)
    assert r["answers"] == 8 and r["hallucinated"] == 4 and r["grounded"] == 4
    assert r["tp"] + r["fn"] == 4 and r["fp"] + r["tn"] == 4
    assert r["recall"] == 1.0 and r["false_alarm_rate"] == 0.0
    assert set(r["langs"]) == {"de", "en"}
    assert r["kinds"]["wrong_price"]["caught"] == 1
    assert r["answers_per_s"] > 0 and r["p99_us"] >= r["p50_us"] > 0
    text = run_cli("eval", "answers", "--docs", SMALL).stdout
    assert "precision" in text and "wrong_delivery_time" in text
    # a stricter threshold can only flag more grounded answers
    strict = json.loads(run_cli("eval", "answers", "--docs", SMALL, "--json",
                                "--threshold", "1").stdout)
    assert strict["fp"] >= r["fp"]


def test_eval_answers_errors(tmp_path):
    missing = run_cli("eval", "answers", "--docs", str(tmp_path / "none.jsonl"), check=False)
    assert missing.returncode == 1 and "none.jsonl" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "context": [], "answer": "a", "label": "perhaps"}\n')
    p = run_cli("eval", "answers", "--docs", str(bad), check=False)
    assert p.returncode == 1 and "line 1" in p.stderr
    usage = run_cli("eval", "answers", check=False)
    assert usage.returncode == 2
