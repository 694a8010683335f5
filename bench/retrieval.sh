#!/usr/bin/env bash
# retrieval.sh: indexing throughput, query latency and memory of agentgate's retrieval
# on synthetic corpora, side by side with the Xapian BM25 reference.
#
# For each size N (number of chunks = documents):
#   1. bench/gen_corpus.py --chunks N --queries 1000 --seed 42 -> build/bench/trec-N/
#   2. /usr/bin/time -v taskset -c 0 build/default/agentgate eval retrieval --format trec
#        ... --json --depth 100      (one core; index_s, p50/p99 from the JSON, RSS from time)
#      then the same without taskset: indexing on both cores (the build uses two threads)
#   3. /usr/bin/time -v taskset -c 0 /usr/bin/python3 bench/xapian_run.py --format trec
#        ... --depth 100             (same corpus, same core restriction)
#      (and every query once more at depth 5, the server's top_k: latency only)
#   4. agentgate eval retrieval --score-run on Xapian's run, for nDCG@10 with one scorer.
#   5. agentgate again at depth 5 on one core, and at depth 100 on both cores (indexing).
# Printed per size: chunks, corpus MB (bytes of docs.trec), index seconds, index MB/s
# (corpus bytes / index_s), query p50/p99 ms, max RSS MB, nDCG@10, for both engines and
# the ratio agentgate/xapian. Xapian's RSS includes the Python interpreter; its latency
# is get_mset only, agentgate's is kb_search (query analysis included).
#
# Usage: bench/retrieval.sh [SIZES...]      # default: 10000 100000
# Needs build/default/agentgate, /usr/bin/python3 with python3-xapian, /usr/bin/time,
# taskset. Exits non-zero if any step fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
bin="$repo/build/default/agentgate"
py=/usr/bin/python3
queries=1000
seed=42
depth=100
top_k=5 # what the server asks for a question

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    sed -n '2,22p' "$0"
    exit 0
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
for n in "${sizes[@]}"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "retrieval.sh: size '$n' is not a positive integer" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "retrieval.sh: $bin not built" >&2; exit 2; }
for tool in /usr/bin/time taskset; do
    command -v "$tool" >/dev/null || { echo "retrieval.sh: $tool not found" >&2; exit 2; }
done

json_get() {
    "$py" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}
kv_get() { # key=NUMBER from xapian_run.py's stderr
    grep -o "$2=[0-9.]*" "$1" | head -n1 | cut -d= -f2
}
rss_mb() { # "Maximum resident set size (kbytes): K" from /usr/bin/time -v
    awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$1"
}
row() { # name agentgate xapian: one table line with the ratio
    awk -v n="$1" -v a="$2" -v x="$3" 'BEGIN {
        r = (x + 0 > 0) ? sprintf("%.3f", a / x) : "n/a";
        printf "%-16s %12.4f %12.4f %8s\n", n, a, x, r }'
}

for n in "${sizes[@]}"; do
    dir="$repo/build/bench/trec-$n"
    mkdir -p "$dir"
    t0=$SECONDS
    "$py" "$here/gen_corpus.py" --chunks "$n" --queries "$queries" --seed "$seed" --out "$dir"
    docs="$dir/docs.trec" qs="$dir/queries.tsv" qrels="$dir/qrels.txt"
    bytes="$(stat -c %s "$docs")"

    ag_json="$(/usr/bin/time -v -o "$dir/agentgate.time" taskset -c 0 "$bin" eval retrieval \
        --format trec --docs "$docs" --queries "$qs" --qrels "$qrels" --json --depth "$depth")" ||
        { echo "retrieval.sh: agentgate eval failed on $n chunks" >&2; exit 1; }
    # The server's depth (top_k results a question), one core.
    ag5_json="$(taskset -c 0 "$bin" eval retrieval --format trec --docs "$docs" --queries "$qs" \
        --qrels "$qrels" --json --depth "$top_k")" ||
        { echo "retrieval.sh: agentgate eval (depth $top_k) failed on $n chunks" >&2; exit 1; }
    # Indexing again with both cores (the index build analyses on two threads).
    ag2_json="$("$bin" eval retrieval --format trec --docs "$docs" --queries "$qs" --qrels "$qrels" \
        --json --depth "$depth")" ||
        { echo "retrieval.sh: agentgate eval (two cores) failed on $n chunks" >&2; exit 1; }
    /usr/bin/time -v -o "$dir/xapian.time" taskset -c 0 "$py" "$here/xapian_run.py" \
        --format trec --docs "$docs" --queries "$qs" --qrels "$qrels" --depth "$depth" \
        --also-depth "$top_k" --out "$dir/xapian.run" 2>"$dir/xapian.err" ||
        { cat "$dir/xapian.err" >&2; echo "retrieval.sh: xapian_run.py failed on $n chunks" >&2; exit 1; }
    xa_json="$("$bin" eval retrieval --format trec --queries "$qs" --qrels "$qrels" \
        --score-run "$dir/xapian.run" --json --depth "$depth")" ||
        { echo "retrieval.sh: --score-run failed on $n chunks" >&2; exit 1; }

    ag_index="$(json_get "$ag_json" index_s)"
    xa_index="$(kv_get "$dir/xapian.err" index_s)"
    mb="$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e6 }')"
    echo "== $n chunks, corpus $mb MB ($bytes bytes), $(json_get "$ag_json" queries) queries," \
        "depth $depth, one core (taskset -c 0); total $((SECONDS - t0)) s"
    printf '%-16s %12s %12s %8s\n' metric agentgate xapian ratio
    row index_s "$ag_index" "$xa_index"
    row index_MB/s "$(awk -v b="$bytes" -v s="$ag_index" 'BEGIN { print (s > 0) ? b / 1e6 / s : 0 }')" \
        "$(awk -v b="$bytes" -v s="$xa_index" 'BEGIN { print (s > 0) ? b / 1e6 / s : 0 }')"
    # agentgate's indexing in two parts: storing the parsed text (SQLite, one transaction)
    # and building the in-memory search index from it; MB of title + text per second.
    tb="$(json_get "$ag_json" text_bytes)"
    echo "  agentgate ingest $(json_get "$ag_json" ingest_s) s, index build $(json_get "$ag_json" build_s) s," \
        "build MB/s $(awk -v b="$tb" -v s="$(json_get "$ag_json" build_s)" 'BEGIN { printf "%.2f", (s > 0) ? b / 1e6 / s : 0 }')"
    ag2_index="$(json_get "$ag2_json" index_s)"
    echo "  agentgate on both cores: index $ag2_index s, index MB/s" \
        "$(awk -v b="$bytes" -v s="$ag2_index" 'BEGIN { printf "%.2f", (s > 0) ? b / 1e6 / s : 0 }')," \
        "ingest $(json_get "$ag2_json" ingest_s) s, build $(json_get "$ag2_json" build_s) s"
    row query_p50_ms "$(json_get "$ag_json" p50_ms)" "$(kv_get "$dir/xapian.err" p50_ms)"
    row query_p99_ms "$(json_get "$ag_json" p99_ms)" "$(kv_get "$dir/xapian.err" p99_ms)"
    row "p50_ms@$top_k" "$(json_get "$ag5_json" p50_ms)" "$(kv_get "$dir/xapian.err" p50_ms_also)"
    row "p99_ms@$top_k" "$(json_get "$ag5_json" p99_ms)" "$(kv_get "$dir/xapian.err" p99_ms_also)"
    row max_RSS_MB "$(rss_mb "$dir/agentgate.time")" "$(rss_mb "$dir/xapian.time")"
    row ndcg@10 "$(json_get "$ag_json" ndcg@10)" "$(json_get "$xa_json" ndcg@10)"
    row recall@100 "$(json_get "$ag_json" recall@100)" "$(json_get "$xa_json" recall@100)"
    echo
done
