#!/usr/bin/env python3
"""Assemble dev.jsonl / test.jsonl from the hand-written cases in cases_*.py.

The questions and answers are written by hand in cases_*.py. This script only
renders the context passages from the shop data (so that product records and
policy texts are quoted exactly as the data files have them), numbers the
cases, and splits them into dev (~40 %) and test (~60 %).

Context references used in the case files:
  P:<sku>               product from examples/shop/products.csv (DE or EN record by case language)
  S:<file>:<heading>    one "## heading" section of an examples/shop/*.md page
  D:<id>[#<text>]       product from dummyjson-products/products.json (optional German description)
  M:<sku>[#<text>]      Magento Luma gear product (CatalogSampleData gear CSVs)
  L:<key>               a Luma policy passage (LUMA_EN / LUMA_DE below, from CmsSampleData pages
                        and the sales/catalogue price rules)
  T:<text>              a literal passage
Run: /usr/bin/python3 tests/data/answers/build_set.py  (stdlib only); with --holdout2 it
renders cases_holdout2.py into holdout2.jsonl instead (shop data only).
"""
import csv, html, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SHOP = os.path.join(ROOT, "examples", "shop")
SHARED = os.environ.get("SHARED_DATA", "/work/shared/data")

sys.path.insert(0, HERE)


def de_num(x):
    s = "%.2f" % float(x)
    return s.replace(".", ",")


def load_shop():
    prods = {}
    with open(os.path.join(SHOP, "products.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            prods[r["sku"]] = r
    return prods


def load_sections(name):
    secs = {}
    head, buf = None, []
    with open(os.path.join(SHOP, name + ".md"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("## "):
                if head:
                    secs[head] = " ".join(buf)
                head, buf = line[3:].strip(), []
            elif head and line.strip():
                buf.append(line.strip())
    if head:
        secs[head] = " ".join(buf)
    return secs


def strip_html(s):
    s = re.sub(r"<[^>]+>", " ", s)
    s = html.unescape(s)
    return re.sub(r"\s+", " ", s).strip()


def load_dummy():
    with open(os.path.join(SHARED, "dummyjson-products", "products.json"), encoding="utf-8") as f:
        return {p["id"]: p for p in json.load(f)}


def load_luma():
    out = {}
    d = os.path.join(SHARED, "magento-luma-catalog")
    for fn in sorted(os.listdir(d)):
        if fn.startswith("CatalogSampleData__SimpleProduct__products_gear"):
            with open(os.path.join(d, fn), encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    out[r["sku"]] = r
    return out


SHOP_P = load_shop()
DUMMY = load_dummy()
LUMA = load_luma()
SECS = {}


def section(file, head):
    if file not in SECS:
        SECS[file] = load_sections(file)
    return "%s: %s" % (head, SECS[file][head])


def shop_product(sku, lang):
    r = SHOP_P[sku]
    st = int(r["stock"])
    if lang == "de":
        return ("Produkt: %s | Artikelnummer: %s | Preis: %s EUR | Lagerbestand: %d | Kategorie: %s | Beschreibung: %s"
                % (r["name"], sku, de_num(r["price_eur"]), st, r["category"], r["description_de"]))
    cat_en = {"Zelte": "Tents", "Rucksäcke": "Backpacks", "Schlafsäcke": "Sleeping bags", "Küche": "Camp kitchen",
              "Lampen": "Lights", "Bekleidung": "Clothing", "Wasserflaschen": "Water bottles", "Werkzeug": "Tools"}[r["category"]]
    return ("Product: %s | SKU: %s | Price: %s EUR | Stock: %d | Category: %s | Description: %s"
            % (r["name"], sku, r["price_eur"], st, cat_en, r["description_en"]))


def de_warranty(s):
    m = {"No warranty": "keine Garantie", "Lifetime warranty": "lebenslange Garantie"}
    if s in m:
        return m[s]
    n, unit = re.match(r"(\d+) (\w+) warranty", s).groups()
    unit = {"week": "Woche", "month": "Monat", "months": "Monate", "year": "Jahr", "years": "Jahre"}[unit]
    if n != "1" and unit in ("Woche", "Monat", "Jahr"):
        unit = {"Woche": "Wochen", "Monat": "Monate", "Jahr": "Jahre"}[unit]
    return "%s %s Garantie" % (n, unit)


def de_shipping(s):
    m = {"Ships overnight": "Versand über Nacht (Lieferung am nächsten Tag)"}
    if s in m:
        return m[s]
    rest = s[len("Ships in "):]
    rest = (rest.replace("business days", "Werktagen").replace("weeks", "Wochen").replace("week", "Woche")
            .replace("month", "Monat"))
    return "Versand innerhalb von " + rest


def de_return(s):
    if s == "No return policy":
        return "keine Rückgabe möglich"
    n = re.match(r"(\d+) days", s).group(1)
    return "%s Tage Rückgaberecht" % n


def dummy_product(ref, lang):
    pid, _, desc = ref.partition("#")
    p = DUMMY[int(pid)]
    brand = p.get("brand")
    if lang == "de":
        avail = {"In Stock": "auf Lager", "Low Stock": "geringer Bestand", "Out of Stock": "ausverkauft"}[p["availabilityStatus"]]
        parts = ["Produkt: %s" % p["title"]]
        if brand:
            parts.append("Marke: %s" % brand)
        parts += ["Artikelnummer: %s" % p["sku"], "Preis: %s EUR" % de_num(p["price"]),
                  "Lagerbestand: %d (%s)" % (p["stock"], avail), "Garantie: %s" % de_warranty(p["warrantyInformation"]),
                  "Versand: %s" % de_shipping(p["shippingInformation"]), "Rückgabe: %s" % de_return(p["returnPolicy"]),
                  "Mindestbestellmenge: %d" % p["minimumOrderQuantity"]]
        if desc:
            parts.append("Beschreibung: %s" % desc)
        return " | ".join(parts)
    parts = ["Product: %s" % p["title"]]
    if brand:
        parts.append("Brand: %s" % brand)
    parts += ["SKU: %s" % p["sku"], "Price: %.2f EUR" % p["price"], "Stock: %d (%s)" % (p["stock"], p["availabilityStatus"]),
              "Warranty: %s" % p["warrantyInformation"], "Shipping: %s" % p["shippingInformation"],
              "Returns: %s" % p["returnPolicy"], "Minimum order quantity: %d" % p["minimumOrderQuantity"],
              "Description: %s" % (desc or p["description"])]
    return " | ".join(parts)


def luma_product(ref, lang):
    sku, _, desc = ref.partition("#")
    r = LUMA[sku]
    name = r["name"].replace("&trade;", "™").strip()
    if lang == "de":
        s = "Produkt: %s | Artikelnummer: %s | Preis: %s EUR | Lagerbestand: %s" % (name, sku, de_num(r["price"]), r["qty"])
        return s + (" | Beschreibung: %s" % desc if desc else "")
    return "Product: %s | SKU: %s | Price: $%s.00 | Qty in stock: %s | Description: %s" % (
        name, sku, r["price"], r["qty"], desc or strip_html(r["description"]))


# Luma (Magento sample store) policy text. EN: quoted from CmsSampleData pages "Customer Service"
# and the sample price rules; DE: a German shop's rendering of the same facts (amounts in EUR).
LUMA_EN = {
    "delivery": "Shipping and Delivery: We don’t guarantee delivery times, but we do our best to provide accurate estimates. Deliveries occur only on weekdays. Shipping and Delivery charges are subject to change and are determined when you order. Estimated delivery time assumes orders are placed before 12:00 noon (PST). Orders you place with Luma late on Friday or on Saturday will not be processed until Monday.",
    "remote": "Delivery addresses in Alaska, Hawaii, Puerto Rico, and Guam should add an additional $5.00 charge for standard Shipping & Delivery. Orders arrive in 7 to 9 business days when ordered before 12:00 noon (PST).",
    "rates": "Shipping rates by merchandise total (before tax): Up to $200: Standard (5-7 day shipping) $16, Priority (2-3 day shipping) $26, Overnight (next business day) $33. $200.01-500.00: Standard $21, Priority $31, Overnight $38. $500.01-1000.00: Standard $29, Priority $39, Overnight $46. Over $1000.00: Standard $34, Priority $44, Overnight $51. Delivery times apply after processing if ordered by 12:00 noon PST.",
    "returns": "Returns and Replacements: If for any reason you are not satisfied, we will gladly accept your timely return of unworn, unwashed, or defective merchandise. Used merchandise cannot be returned unless defective. Returned merchandise should include the vendor packaging and tags and be in the same condition as when it was received. A pickup and/or restock fee may apply. Merchandise must be returned within 30 days of receipt of merchandise.",
    "gifts": "Returning Gifts: When returning a gift, a Luma Gift Card will be issued to the gift recipient for the amount of the returned merchandise. The card can be used for purchases from any Luma store, and online. In compliance with Federal law, for gifts valued at more than $2,000.00, the recipient will receive a check rather than an Luma Gift Card.",
    "mail": "Returning Merchandise by Mail: On the back of the packing slip enclosed with your Luma order, please note the reason(s) for return and whether you wish to exchange the item(s) or receive a credit/refund (depending on the original form of payment). Enclose the return section of the packing slip with your item(s). Restricted items must be returned using ground transportation. Please allow 10 to 14 days for Luma to process your return.",
    "promos": "Current promotions: Spend $50 or more - shipping is free! 20% OFF every $200-plus purchase (cart over $200; does not apply to other sale items). Buy 3 tee shirts and get the 4th free. 20% off all Women’s and Men’s Pants. $4 Luma water bottle (save 70%): use promo code H20 at checkout.",
}
LUMA_DE = {
    "delivery": "Versand und Lieferung: Lieferzeiten können wir nicht garantieren, wir bemühen uns aber um möglichst genaue Angaben. Zugestellt wird nur an Werktagen. Die Versandkosten werden bei der Bestellung berechnet. Die angegebenen Lieferzeiten gelten für Bestellungen, die vor 12:00 Uhr mittags eingehen. Bestellungen, die spät am Freitag oder am Samstag eingehen, werden erst am Montag bearbeitet.",
    "rates": "Versandkosten nach Warenwert: bis 200 EUR: Standard (5 bis 7 Tage) 16 EUR, Priority (2 bis 3 Tage) 26 EUR, Overnight (nächster Werktag) 33 EUR. 200,01 bis 500 EUR: Standard 21 EUR, Priority 31 EUR, Overnight 38 EUR. 500,01 bis 1000 EUR: Standard 29 EUR, Priority 39 EUR, Overnight 46 EUR. Über 1000 EUR: Standard 34 EUR, Priority 44 EUR, Overnight 51 EUR.",
    "returns": "Rückgabe und Ersatz: Wenn Sie nicht zufrieden sind, nehmen wir ungetragene, ungewaschene oder fehlerhafte Ware gern zurück. Gebrauchte Ware kann nur zurückgegeben werden, wenn sie fehlerhaft ist. Bitte senden Sie die Ware mit Herstellerverpackung und Etiketten im selben Zustand zurück, in dem Sie sie erhalten haben. Es kann eine Abhol- oder Wiedereinlagerungsgebühr anfallen. Die Rücksendung muss innerhalb von 30 Tagen nach Erhalt der Ware erfolgen.",
    "gifts": "Rückgabe von Geschenken: Wird ein Geschenk zurückgegeben, erhält die beschenkte Person eine Luma-Geschenkkarte über den Wert der zurückgegebenen Ware. Die Karte gilt in allen Luma-Filialen und online. Bei Geschenken im Wert von mehr als 2.000 EUR erhält die beschenkte Person statt der Geschenkkarte einen Scheck.",
    "mail": "Rücksendung per Post: Notieren Sie auf der Rückseite des beiliegenden Lieferscheins den Rückgabegrund und ob Sie einen Umtausch oder eine Gutschrift bzw. Erstattung wünschen. Legen Sie den Rückgabeabschnitt des Lieferscheins bei. Bitte rechnen Sie mit 10 bis 14 Tagen, bis Luma Ihre Rücksendung bearbeitet hat.",
    "promos": "Aktuelle Aktionen: Ab 50 EUR Bestellwert ist der Versand kostenlos. 20 % Rabatt auf jeden Einkauf ab 200 EUR (gilt nicht für bereits reduzierte Artikel). Beim Kauf von drei T-Shirts ist das vierte gratis. 20 % Rabatt auf alle Damen- und Herrenhosen. Luma-Trinkflasche für 4 EUR (70 % gespart) mit dem Aktionscode H20 an der Kasse.",
}


def render(ref, lang):
    kind, _, rest = ref.partition(":")
    if kind == "P":
        return shop_product(rest, lang)
    if kind == "S":
        file, _, head = rest.partition(":")
        return section(file, head)
    if kind == "D":
        return dummy_product(rest, lang)
    if kind == "M":
        return luma_product(rest, lang)
    if kind == "L":
        return (LUMA_DE if lang == "de" else LUMA_EN)[rest]
    if kind == "T":
        return rest
    raise ValueError("bad ref " + ref)


def source_of(refs):
    s = set()
    for r in refs:
        s.add("nordwind" if r[0] in "PS" else ("dummyjson" if r[0] == "D" else ("luma" if r[0] in "ML" else "other")))
    return s


def main():
    import cases_nordwind_de, cases_nordwind_en, cases_other_de, cases_other_en
    allc = []
    for mod in (cases_nordwind_de, cases_nordwind_en, cases_other_de, cases_other_en):
        allc += mod.CASES
    counters = {"de": 0, "en": 0}
    rows = []
    for c in allc:
        lang, q, refs, a = c[0], c[1], c[2], c[3]
        kind = c[4] if len(c) > 4 else None
        wrong = c[5] if len(c) > 5 else None
        counters[lang] += 1
        rows.append({"id": "%s-%04d" % (lang, counters[lang]), "lang": lang, "question": q,
                     "context": [render(r, lang) for r in refs], "answer": a,
                     "label": "hallucinated" if kind else "grounded", "kind": kind, "wrong": wrong})
    # split: within each (lang, kind-or-grounded) group, every 5 cases -> 2 dev, 3 test
    dev, test, seen = [], [], {}
    for r in rows:
        g = (r["lang"], r["kind"] or "grounded")
        i = seen.get(g, 0)
        seen[g] = i + 1
        (dev if i % 5 in (1, 3) else test).append(r)
    for name, part in (("dev.jsonl", dev), ("test.jsonl", test)):
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
            for r in part:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("dev %d, test %d" % (len(dev), len(test)))


def holdout2():
    """Render cases_holdout2.py into holdout2.jsonl (ids from 0501: no clash with dev/test)."""
    import cases_holdout2
    counters = {"de": 500, "en": 500}
    with open(os.path.join(HERE, "holdout2.jsonl"), "w", encoding="utf-8") as f:
        for c in cases_holdout2.CASES:
            lang, q, refs, a = c[0], c[1], c[2], c[3]
            kind = c[4] if len(c) > 4 else None
            wrong = c[5] if len(c) > 5 else None
            counters[lang] += 1
            r = {"id": "%s-%04d" % (lang, counters[lang]), "lang": lang, "question": q,
                 "context": [render(x, lang) for x in refs], "answer": a,
                 "label": "hallucinated" if kind else "grounded", "kind": kind, "wrong": wrong}
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("holdout2 %d" % len(cases_holdout2.CASES))


if __name__ == "__main__":
    if sys.argv[1:] == ["--holdout2"]:
        holdout2()
    else:
        main()
