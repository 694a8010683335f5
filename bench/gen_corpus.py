#!/usr/bin/python3
"""Seeded synthetic retrieval corpus in the trec format of `agentgate eval retrieval`.

What it makes: a corpus for indexing and query-latency benchmarks (not for judging
ranking quality). A vocabulary of ~50,000 generated pseudo-words (short and long ones,
about 12% German-like compounds, some with umlauts or ß) is ranked so that short words
tend to be frequent, and word occurrences are drawn from a Zipf law over the ranks
(P(rank r) ~ 1 / r^s, s = 1.1 by default). Each document has 40-250 body words in
sentences and a title of 3-8 words. Each query takes 2-6 distinct words from the body
of one random document (so every query hits it), and the qrels mark that document
relevant.
The same arguments always give the same bytes (random.Random(seed), no set ordering).

Files written into --out:
  docs.trec    <DOC>\n<DOCNO>dN</DOCNO>\n<TITLE>..</TITLE>\nbody\n</DOC>
  queries.tsv  qN<TAB>words
  qrels.txt    qN 0 dN 1

Run:  /usr/bin/python3 bench/gen_corpus.py --chunks 10000 --queries 1000 --seed 42 --out DIR
"""
import argparse
import bisect
import itertools
import os
import random
import sys

ONSETS = ["b", "br", "c", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m",
          "n", "p", "pf", "pr", "qu", "r", "s", "sch", "sh", "sp", "st", "str", "t", "th",
          "tr", "v", "w", "z", "ch", "", ""]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "e", "ei", "au", "ie", "ou", "ea", "y"]
UMLAUT = {"a": "ä", "o": "ö", "u": "ü"}
CODAS = ["", "", "", "", "n", "r", "l", "s", "t", "ng", "nd", "rt", "st", "ck", "m", "ch",
         "x", "th"]


def make_syllable(rng):
    v = rng.choice(VOWELS)
    if v in UMLAUT and rng.random() < 0.12:  # some umlauts (about 4% of syllables)
        v = UMLAUT[v]
    coda = rng.choice(CODAS)
    if coda == "s" and rng.random() < 0.15:
        coda = "ß"
    return rng.choice(ONSETS) + v + coda


def make_vocabulary(rng, size, compound_share):
    """size distinct pseudo-words, frequent ranks first (shorter words rank higher)."""
    words, seen = [], set()
    simple_target = int(size * (1 - compound_share))
    # Bounded: each try adds at most one word; the syllable space is far larger than size.
    for _ in range(size * 50):
        if len(words) >= simple_target:
            break
        n_syl = rng.choices([1, 2, 3, 4], weights=[3, 5, 3, 1])[0]
        w = "".join(make_syllable(rng) for _ in range(n_syl))
        if len(w) >= 2 and w not in seen:
            seen.add(w)
            words.append(w)
    base = list(words)
    for _ in range(size * 50):  # compounds: two or three simple words, German-style
        if len(words) >= size:
            break
        parts = [rng.choice(base) for _ in range(rng.choice([2, 2, 2, 3]))]
        w = "".join(parts)
        if rng.random() < 0.2:
            w = parts[0] + "s" + "".join(parts[1:])  # Fugen-s: "versand" + s + "kosten"
        if w not in seen:
            seen.add(w)
            words.append(w)
    if len(words) < size:
        sys.exit(f"gen_corpus: only {len(words)} distinct words generated")
    # Frequent ranks go to shorter words, with noise so length is not a strict order.
    keyed = [(len(w) + rng.gauss(0, 2.5), i, w) for i, w in enumerate(words)]
    keyed.sort()
    return [w for _, _, w in keyed]


def main():
    ap = argparse.ArgumentParser(description="Seeded synthetic trec corpus for agentgate.")
    ap.add_argument("--chunks", type=int, required=True, help="number of documents")
    ap.add_argument("--queries", type=int, required=True, help="number of queries")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--vocab", type=int, default=50000, help="vocabulary size")
    ap.add_argument("--zipf", type=float, default=1.1, help="Zipf exponent s")
    args = ap.parse_args()
    if args.chunks < 1 or args.queries < 0 or args.vocab < 100:
        ap.error("--chunks >= 1, --queries >= 0, --vocab >= 100")

    rng = random.Random(args.seed)
    vocab = make_vocabulary(rng, args.vocab, compound_share=0.12)
    cum = list(itertools.accumulate(1.0 / (r ** args.zipf) for r in range(1, len(vocab) + 1)))
    total = cum[-1]
    n_vocab = len(vocab)

    def draw(k):
        """k Zipf-distributed words."""
        out = []
        for _ in range(k):
            i = bisect.bisect_right(cum, rng.random() * total)
            out.append(vocab[i if i < n_vocab else n_vocab - 1])
        return out

    os.makedirs(args.out, exist_ok=True)
    # Which documents the queries come from, fixed up front so bodies need not be kept.
    picks = {}  # doc index -> list of query numbers (in query order)
    for qn in range(1, args.queries + 1):
        d = rng.randrange(args.chunks)
        picks.setdefault(d, []).append(qn)
    queries = {}

    with open(os.path.join(args.out, "docs.trec"), "w", encoding="utf-8") as f:
        for d in range(args.chunks):
            title = " ".join(draw(rng.randint(3, 8))).capitalize()
            body_words = draw(rng.randint(40, 250))
            sentences, i = [], 0
            while i < len(body_words):  # bounded: i grows by >= 6 each pass
                n = rng.randint(6, 20)
                sentences.append(" ".join(body_words[i : i + n]).capitalize() + ".")
                i += n
            f.write(f"<DOC>\n<DOCNO>d{d + 1}</DOCNO>\n<TITLE>{title}</TITLE>\n"
                    f"{' '.join(sentences)}\n</DOC>\n")
            for qn in picks.get(d, ()):
                distinct = list(dict.fromkeys(body_words))  # first-occurrence order
                k = min(rng.randint(2, 6), len(distinct))
                pos = sorted(rng.sample(range(len(distinct)), k))
                queries[qn] = (" ".join(distinct[p] for p in pos), d + 1)

    with open(os.path.join(args.out, "queries.tsv"), "w", encoding="utf-8") as fq, \
            open(os.path.join(args.out, "qrels.txt"), "w", encoding="utf-8") as fr:
        for qn in range(1, args.queries + 1):
            text, doc = queries[qn]
            fq.write(f"q{qn}\t{text}\n")
            fr.write(f"q{qn} 0 d{doc} 1\n")
    size = os.path.getsize(os.path.join(args.out, "docs.trec"))
    print(f"gen_corpus: {args.chunks} docs ({size / 1e6:.1f} MB), {args.queries} queries, "
          f"vocabulary {n_vocab}, seed {args.seed} -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
