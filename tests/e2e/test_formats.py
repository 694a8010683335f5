"""Ingestion of HTML and JSON Lines through the CLI, synonyms from the config, and the
answers that cite them."""
import json
import os
import tempfile

from conftest import SHOP, run_cli


def write(d, name, text):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(text)


def test_html_and_jsonl_are_ingested_and_cited():
    src, data = tempfile.mkdtemp(), tempfile.mkdtemp()
    write(src, "garantie.html", """<!doctype html><html><head><title>Garantie</title>
<style>h1 { color: red }</style><script>var hidden = "Geheimtext";</script></head>
<body><h1>Garantie &amp; Reparatur</h1><h2>Dauer</h2>
<p>Die Garantie auf Kocher betr&auml;gt 3 Jahre ab Kaufdatum.</p></body></html>""")
    write(src, "lampen.jsonl",
          json.dumps({"sku": "LX-7", "name": "Stirnlampe Lux", "price_eur": 24.5, "stock": 4,
                      "category": "Lampen", "url": "https://shop.example/lx-7",
                      "description_de": "Helle Stirnlampe mit 300 Lumen."}) + "\n")
    p = run_cli("ingest", src, SHOP, data=data)  # with the shop: a realistic vocabulary
    assert "11 added" in p.stdout and "62 products" in p.stdout
    p = run_cli("ask", "--json", "Wie lange gilt die Garantie auf Kocher?", data=data)
    j = json.loads(p.stdout)
    assert "3 Jahre" in j["answer"]
    assert j["sources"][0]["doc"] == "garantie.html"
    assert j["sources"][0]["title"] == "Garantie & Reparatur"
    assert "Geheimtext" not in p.stdout
    p = run_cli("ask", "--json", "Was kostet die Stirnlampe Lux?", data=data)
    assert "24,50 EUR" in json.loads(p.stdout)["answer"]


def test_bad_jsonl_line_is_named_and_nothing_stored():
    src, data = tempfile.mkdtemp(), tempfile.mkdtemp()
    write(src, "ok.md", "# Ok\n\nText.\n")
    write(src, "bad.jsonl", '{"sku":"A","name":"B","price_eur":1}\n{"sku": "C",\n')
    p = run_cli("ingest", src, data=data, check=False)
    assert p.returncode == 1 and "bad.jsonl" in p.stderr and "line 2" in p.stderr
    p = run_cli("ingest", os.path.join(src, "ok.md"), data=data)
    assert "1 added" in p.stdout  # the failed run stored nothing, not even ok.md


def test_synonyms_file_from_config():
    src, data = tempfile.mkdtemp(), tempfile.mkdtemp()
    write(src, "rueckgabe.md", "# Rückgabe\n\n## Ablauf\n\n"
          "Eine Rücksendung ist innerhalb von 30 Tagen kostenlos möglich.\n")
    syn = os.path.join(data, "synonyms.txt")
    write(data, "synonyms.txt", "# groups\nRetoure, Rücksendung\n")
    run_cli("ingest", src, data=data)
    p = run_cli("ask", "Retoure kostenlos möglich?", data=data,
                env={"AGENTGATE_SYNONYMS_FILE": syn})
    assert "30 Tagen" in p.stdout
    p = run_cli("ask", "Retoure kostenlos möglich?", data=data)  # without the synonyms
    assert "30 Tagen" not in p.stdout
    write(data, "synonyms.txt", "Retoure\n")
    p = run_cli("ask", "Retoure?", data=data, check=False,
                env={"AGENTGATE_SYNONYMS_FILE": syn})
    assert p.returncode != 0 and "line 1" in p.stderr
