#!/usr/bin/python3
"""Xapian reference engine for `agentgate eval retrieval`.

What it measures: indexes a labelled collection with Xapian (BM25Weight defaults,
English Snowball stemming, STEM_SOME) and runs every judged query, writing a TREC run
that `agentgate eval retrieval --score-run RUN` scores with agentgate's own metrics code.
On stderr it reports indexing time, documents per second and query latency p50/p99
(milliseconds, time.perf_counter around each Enquire.get_mset; query parsing is not
timed). The machine-readable summary lines start with "xapian:".

The collections are parsed the way src/kb/eval.c parses them:
  - SMART (cranfield, cisi): ".I id" starts a record; ".T" (title) and ".W" (text) are
    indexed; ".A", ".B", ".X" and any other field are ignored. Ids compare as numbers
    ("007" == "7"). Cranfield's query ids are their position in cran.qry (1..225), not
    the .I value; CISI uses the .I value. A query's text is its title + " " + its text.
  - trec: documents <DOC><DOCNO>id</DOCNO>[<TITLE>..</TITLE>] text</DOC>; as in
    eval.c the text is everything after the DOCNO with tags removed, except the TITLE,
    which is only the title field; queries "qid<TAB>text"; qrels "qid 0 docid rel".
Only queries with at least one judgment of gain > 0 are run (Cranfield -1 = not relevant).

Run (Debian's python3 with python3-xapian; stdlib only):
  /usr/bin/python3 bench/xapian_run.py --format cranfield \
      --docs ../shared/data/cranfield/cran.all.1400 --queries ../shared/data/cranfield/cran.qry \
      --qrels ../shared/data/cranfield/cranqrel --out /tmp/xapian.run [--depth 1000]
"""
import argparse
import math
import os
import re
import shutil
import sys
import tempfile
import time

import xapian


# ---- parsing (mirrors src/kb/eval.c) ---------------------------------------------------


def norm_id(s):
    """"007" -> "7": strip leading zeros that are followed by a digit (eval.c norm_id)."""
    i = 0
    while len(s) - i > 1 and s[i] == "0" and s[i + 1].isdigit():
        i += 1
    return s[i:]


_MARKER = re.compile(r"^\.[A-Z](?: |$)")


def load_smart(path):
    """SMART records as a list of (id, title, text)."""
    items = []
    rec = None  # [id, title_lines, text_lines]
    field = None
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    for lineno, line in enumerate(data.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if _MARKER.match(line):
            if line[1] == "I":
                ident = line[2:].lstrip(" ")
                if not ident:
                    raise ValueError(f"{path}: line {lineno}: .I without an id")
                if rec:
                    items.append((rec[0], " ".join(rec[1]), " ".join(rec[2])))
                rec = [norm_id(ident), [], []]
                field = None
            else:
                field = line[1]
        elif rec is None:
            if line:
                raise ValueError(f"{path}: line {lineno}: text before the first .I record")
        elif field == "T":
            rec[1].append(line)
        elif field == "W":
            rec[2].append(line)
    if rec:
        items.append((rec[0], " ".join(rec[1]), " ".join(rec[2])))
    return items


def strip_tags(s):
    """Text with <...> tags removed; a closing '>' becomes a space (eval.c strip_tags)."""
    out = []
    in_tag = False
    for ch in s:
        if ch == "<":
            in_tag = True
        elif ch == ">" and in_tag:
            in_tag = False
            out.append(" ")
        elif not in_tag:
            out.append(ch)
    return "".join(out)


def load_trec_docs(path):
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    items = []
    pos = 0
    while True:
        d = data.find("<DOC>", pos)
        if d < 0:
            break
        de = data.find("</DOC>", d)
        if de < 0:
            raise ValueError(f"{path}: <DOC> at byte {d} is never closed")
        doc = data[d:de]
        a = doc.find("<DOCNO>")
        b = doc.find("</DOCNO>", a + 7) if a >= 0 else -1
        if a < 0 or b < 0:
            raise ValueError(f"{path}: <DOC> at byte {d} has no <DOCNO>")
        ident = norm_id(doc[a + 7 : b].strip(" \n"))
        title = ""
        text = strip_tags(doc[b:])
        ta = doc.find("<TITLE>")
        if ta >= 0:
            tb = doc.find("</TITLE>", ta + 7)
            if tb >= 0:
                title = strip_tags(doc[ta + 7 : tb])
                # As eval.c: the body is the text after the DOCNO without the title.
                text = strip_tags(doc[b:ta]) + " " + strip_tags(doc[tb + 8 :])
        items.append((ident, title, text))
        pos = de + 6
    return items


def load_tsv_queries(path):
    items = []
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    for lineno, line in enumerate(data.split("\n"), 1):
        if not line:
            continue
        tab = line.find("\t")
        if tab <= 0:
            raise ValueError(f"{path}: line {lineno}: expected 'qid<TAB>text'")
        items.append((norm_id(line[:tab]), "", line[tab + 1 :]))  # ids compare as numbers
    return items


def load_qrels(path, fmt):
    """{qid: {docid: gain}} with ids normalised as numbers."""
    qrels = {}
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", errors="replace")
    for lineno, line in enumerate(data.split("\n"), 1):
        fields = line.split()
        if not fields:
            continue
        ok = len(fields) == (3 if fmt == "cranfield" else 4)
        gain = 1.0
        if ok and fmt == "cranfield":
            if fields[2] == "-1":
                gain = 0.0
            elif fields[2].isdigit() and 1 <= int(fields[2]) <= 4:
                gain = float(5 - int(fields[2]))
            else:
                ok = False
        elif ok and fmt == "trec":
            try:
                gain = max(float(fields[3]), 0.0)
            except ValueError:
                ok = False
        if not ok:
            raise ValueError(f"{path}: line {lineno}: not a {fmt} qrels line")
        doc = fields[2] if fmt == "trec" else fields[1]
        qrels.setdefault(norm_id(fields[0]), {})[norm_id(doc)] = gain
    return qrels


# ---- the engine ----------------------------------------------------------------------


def percentile_ms(lat):
    """p50 and p99 with the same index rule as eval.c."""
    if not lat:
        return 0.0, 0.0
    s = sorted(lat)
    n = len(s)
    return s[(n - 1) // 2], s[math.ceil(0.99 * n) - 1]


def main():
    ap = argparse.ArgumentParser(description="Xapian BM25 reference run for agentgate eval.")
    ap.add_argument("--format", required=True, choices=["cranfield", "cisi", "trec"])
    ap.add_argument("--docs", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--qrels", required=True)
    ap.add_argument("--out", required=True, help="TREC run file to write")
    ap.add_argument("--depth", type=int, default=1000, help="documents per query (1..10000)")
    ap.add_argument("--also-depth", type=int, default=0,
                    help="time every query once more at this depth (latency only, no run)")
    ap.add_argument("--backend", choices=["disk", "memory"], default="disk",
                    help="disk: glass database in a temp dir (default); memory: inmemory")
    args = ap.parse_args()
    if not 1 <= args.depth <= 10000:
        ap.error("--depth must be 1 to 10000")

    if args.format == "trec":
        docs = load_trec_docs(args.docs)
        queries = load_tsv_queries(args.queries)
    else:
        docs = load_smart(args.docs)
        queries = load_smart(args.queries)
        if args.format == "cranfield":
            queries = [(str(i + 1), t, x) for i, (_, t, x) in enumerate(queries)]
    qrels = load_qrels(args.qrels, args.format)
    corpus_bytes = sum(len(t.encode()) + len(x.encode()) for _, t, x in docs)

    stem = xapian.Stem("english")
    tmpdir = tempfile.mkdtemp(prefix="xapian-run-") if args.backend == "disk" else None
    try:
        t0 = time.perf_counter()
        if tmpdir:
            db = xapian.WritableDatabase(os.path.join(tmpdir, "db"), xapian.DB_CREATE_OR_OVERWRITE)
        else:
            db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
        tg = xapian.TermGenerator()
        tg.set_stemmer(stem)  # default strategy: STEM_SOME
        for ident, title, text in docs:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(title)
            tg.increase_termpos()
            tg.index_text(text)
            doc.set_data(ident)
            db.add_document(doc)
        db.commit()
        index_s = time.perf_counter() - t0

        qp = xapian.QueryParser()
        qp.set_stemmer(stem)
        qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        qp.set_default_op(xapian.Query.OP_OR)
        qp.set_database(db)
        enquire = xapian.Enquire(db)
        enquire.set_weighting_scheme(xapian.BM25Weight())

        lat = []
        n_run = 0
        with open(args.out, "w") as out:
            for qid, title, text in queries:
                judged = qrels.get(qid, {})
                if not any(g > 0 for g in judged.values()):
                    continue  # unjudged queries are not scored (as eval.c)
                qtext = title + " " + text
                try:
                    query = qp.parse_query(qtext)
                except xapian.QueryParserError:
                    query = qp.parse_query(qtext, 0)  # no operators: plain terms
                enquire.set_query(query)
                t1 = time.perf_counter()
                mset = enquire.get_mset(0, args.depth)
                lat.append((time.perf_counter() - t1) * 1000.0)
                for m in mset:
                    out.write(f"{qid} Q0 {m.document.get_data().decode()} {m.rank + 1} "
                              f"{m.weight:.6f} xapian\n")
                n_run += 1
        lat2 = []
        if args.also_depth > 0:
            for qid, title, text in queries:
                if not any(g > 0 for g in qrels.get(qid, {}).values()):
                    continue
                qtext = title + " " + text
                try:
                    query = qp.parse_query(qtext)
                except xapian.QueryParserError:
                    query = qp.parse_query(qtext, 0)
                enquire.set_query(query)
                t1 = time.perf_counter()
                enquire.get_mset(0, args.also_depth)
                lat2.append((time.perf_counter() - t1) * 1000.0)
        db.close()
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)

    p50, p99 = percentile_ms(lat)
    docs_per_s = len(docs) / index_s if index_s > 0 else 0.0
    mb_per_s = corpus_bytes / 1e6 / index_s if index_s > 0 else 0.0
    print(f"xapian: docs={len(docs)} index_s={index_s:.3f} docs_per_s={docs_per_s:.1f} "
          f"text_mb_per_s={mb_per_s:.2f} backend={args.backend}", file=sys.stderr)
    print(f"xapian: queries={n_run} p50_ms={p50:.4f} p99_ms={p99:.4f}", file=sys.stderr)
    if lat2:
        q50, q99 = percentile_ms(lat2)
        print(f"xapian: depth={args.also_depth} p50_ms_also={q50:.4f} p99_ms_also={q99:.4f}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
