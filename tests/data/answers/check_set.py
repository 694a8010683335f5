#!/usr/bin/env python3
"""Validate the answer-validation set (dev.jsonl, test.jsonl or any JSONL file given).

Checks: one JSON object per line with the required fields and types, unique ids
(across all files given), lang/label/kind values, 1-5 context passages, citations
[n] within range, grounded cases have kind/wrong null, hallucinated cases have a
kind and a `wrong` span that occurs in the answer, labels balanced (within 2) and
kinds balanced (within 2) per file. Prints counts per lang/label/kind.
Exit status 1 on any problem.  Usage: check_set.py [FILE ...]  (default: dev.jsonl test.jsonl)
"""
import collections, json, os, re, sys

KINDS = ("invented_product", "wrong_price", "wrong_delivery_time", "made_up_policy", "wrong_stock", "unsupported_promise")
FIELDS = ("id", "lang", "question", "context", "answer", "label", "kind", "wrong")
CITE = re.compile(r"\[(\d+)\]")


def check_file(path, seen, problems):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = "%s:%d" % (os.path.basename(path), n)
            if not line.strip():
                problems.append("%s: empty line" % where)
                continue
            try:
                r = json.loads(line)
            except ValueError as e:
                problems.append("%s: not JSON (%s)" % (where, e))
                continue
            if not isinstance(r, dict):
                problems.append("%s: not an object" % where)
                continue
            missing = [k for k in FIELDS if k not in r]
            if missing:
                problems.append("%s: missing fields %s" % (where, missing))
                continue
            rid = r["id"]
            where = "%s (%s)" % (where, rid)
            if not isinstance(rid, str) or not re.fullmatch(r"(de|en)-\d{4}", rid):
                problems.append("%s: bad id" % where)
            elif rid in seen:
                problems.append("%s: duplicate id (also in %s)" % (where, seen[rid]))
            else:
                seen[rid] = path
            if r["lang"] not in ("de", "en") or not str(rid).startswith(str(r["lang"]) + "-"):
                problems.append("%s: bad lang %r" % (where, r["lang"]))
            for k in ("question", "answer"):
                if not isinstance(r[k], str) or not r[k].strip():
                    problems.append("%s: empty %s" % (where, k))
            ctx = r["context"]
            if not isinstance(ctx, list) or not 1 <= len(ctx) <= 5 or not all(isinstance(c, str) and c.strip() for c in ctx):
                problems.append("%s: context must be 1-5 non-empty strings" % where)
                ctx = []
            for m in CITE.finditer(r["answer"] if isinstance(r["answer"], str) else ""):
                i = int(m.group(1))
                if not 1 <= i <= len(ctx):
                    problems.append("%s: citation [%d] out of range (1..%d)" % (where, i, len(ctx)))
            if r["label"] == "grounded":
                if r["kind"] is not None or r["wrong"] is not None:
                    problems.append("%s: grounded case must have kind and wrong null" % where)
            elif r["label"] == "hallucinated":
                if r["kind"] not in KINDS:
                    problems.append("%s: bad kind %r" % (where, r["kind"]))
                if not isinstance(r["wrong"], str) or not r["wrong"].strip():
                    problems.append("%s: hallucinated case needs a wrong span" % where)
                elif r["wrong"] not in r["answer"]:
                    problems.append("%s: wrong span not in answer: %r" % (where, r["wrong"]))
            else:
                problems.append("%s: bad label %r" % (where, r["label"]))
            rows.append(r)
    return rows


def report(name, rows, problems):
    lab = collections.Counter(r.get("label") for r in rows)
    kinds = collections.Counter(r.get("kind") for r in rows if r.get("label") == "hallucinated")
    print("== %s: %d cases" % (name, len(rows)))
    for lang in ("de", "en"):
        sub = [r for r in rows if r.get("lang") == lang]
        sl = collections.Counter(r.get("label") for r in sub)
        sk = collections.Counter(r.get("kind") for r in sub if r.get("label") == "hallucinated")
        print("  %s: %d  grounded %d  hallucinated %d  | %s" % (
            lang, len(sub), sl["grounded"], sl["hallucinated"], " ".join("%s=%d" % (k, sk[k]) for k in KINDS)))
    print("  all: grounded %d  hallucinated %d" % (lab["grounded"], lab["hallucinated"]))
    print("  kinds: " + " ".join("%s=%d" % (k, kinds[k]) for k in KINDS))
    if abs(lab["grounded"] - lab["hallucinated"]) > 2:
        problems.append("%s: labels unbalanced (%d grounded vs %d hallucinated)" % (name, lab["grounded"], lab["hallucinated"]))
    if kinds and max(kinds[k] for k in KINDS) - min(kinds[k] for k in KINDS) > 2:
        problems.append("%s: kinds unbalanced %s" % (name, dict(kinds)))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    files = argv[1:] or [os.path.join(here, "dev.jsonl"), os.path.join(here, "test.jsonl")]
    problems, seen, allrows = [], {}, []
    for p in files:
        if not os.path.exists(p):
            problems.append("%s: missing" % p)
            continue
        rows = check_file(p, seen, problems)
        report(os.path.basename(p), rows, problems)
        allrows += rows
    if len(files) > 1:
        report("total", allrows, problems)
    for p in problems:
        print("PROBLEM: " + p)
    print("OK" if not problems else "%d problem(s)" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
