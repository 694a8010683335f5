#!/usr/bin/env bash
# compare_xapian.sh: agentgate retrieval vs. the Xapian BM25 reference, same scorer.
#
# What it measures, per collection (Cranfield, CISI from ../shared/data):
#   (a) `agentgate eval retrieval --json`: agentgate indexes and searches the collection;
#   (b) bench/xapian_run.py: Xapian (BM25Weight defaults, English stemming) writes a run;
#   (c) `agentgate eval retrieval --score-run RUN --json`: Xapian's run scored with
#       agentgate's metrics code, so both columns come from the same scorer.
# It prints nDCG@10, MAP, Recall@100, MRR and search latency p50/p99 (ms) for both
# engines and the ratio agentgate/xapian. Xapian's latency is time around get_mset;
# agentgate's is time around kb_search (query analysis included).
#
# Usage (from anywhere; paths resolve relative to this script):
#   bench/compare_xapian.sh [cranfield|cisi|all]          # default: all
#   bench/compare_xapian.sh --check [cranfield|cisi|all]  # exit 1 unless agentgate
#                                                         # nDCG@10 >= xapian's everywhere
# Needs build/default/agentgate and Debian's /usr/bin/python3 with python3-xapian.
# Exits non-zero if any step fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
data="$(cd "$repo/../shared/data" 2>/dev/null && pwd)" || {
    echo "compare_xapian: data folder $repo/../shared/data not found" >&2
    exit 2
}
bin="$repo/build/default/agentgate"
py=/usr/bin/python3

check=0
which=all
for arg in "$@"; do
    case "$arg" in
    --check) check=1 ;;
    cranfield | cisi | all) which="$arg" ;;
    -h | --help)
        sed -n '2,18p' "$0"
        exit 0
        ;;
    *)
        echo "usage: $0 [--check] [cranfield|cisi|all]" >&2
        exit 2
        ;;
    esac
done
[ -x "$bin" ] || { echo "compare_xapian: $bin not built" >&2; exit 2; }

case "$which" in
all) collections=(cranfield cisi) ;;
*) collections=("$which") ;;
esac

tmp="$(mktemp -d /tmp/compare-xapian-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

# Arguments for one collection: format, docs, queries, qrels.
files_for() {
    case "$1" in
    cranfield) echo "cranfield $data/cranfield/cran.all.1400 $data/cranfield/cran.qry $data/cranfield/cranqrel" ;;
    cisi) echo "cisi $data/cisi/CISI.ALL $data/cisi/CISI.QRY $data/cisi/CISI.REL" ;;
    esac
}

# The value of a numeric key in agentgate's one-line JSON.
json_get() {
    "$py" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# The value of key=NUMBER in xapian_run.py's stderr.
kv_get() {
    grep -o "$2=[0-9.]*" "$1" | head -n1 | cut -d= -f2
}

failed_check=0
for c in "${collections[@]}"; do
    read -r fmt docs queries qrels <<<"$(files_for "$c")"
    for f in "$docs" "$queries" "$qrels"; do
        [ -f "$f" ] || { echo "compare_xapian: missing $f" >&2; exit 2; }
    done

    # (a) agentgate's own search
    ag_json="$("$bin" eval retrieval --format "$fmt" --docs "$docs" --queries "$queries" \
        --qrels "$qrels" --json)" || { echo "compare_xapian: agentgate eval failed on $c" >&2; exit 1; }
    # (b) the Xapian reference run
    run="$tmp/$c.xapian.run"
    "$py" "$here/xapian_run.py" --format "$fmt" --docs "$docs" --queries "$queries" \
        --qrels "$qrels" --out "$run" 2>"$tmp/$c.xapian.err" ||
        { cat "$tmp/$c.xapian.err" >&2; echo "compare_xapian: xapian_run.py failed on $c" >&2; exit 1; }
    # (c) Xapian's run, scored by agentgate
    xa_json="$("$bin" eval retrieval --format "$fmt" --queries "$queries" --qrels "$qrels" \
        --score-run "$run" --json)" || { echo "compare_xapian: --score-run failed on $c" >&2; exit 1; }

    ag_q="$(json_get "$ag_json" queries)"
    xa_q="$(json_get "$xa_json" queries)"
    xa_docs="$(kv_get "$tmp/$c.xapian.err" docs)"
    ag_docs="$(json_get "$ag_json" docs)"
    if [ "$ag_q" != "$xa_q" ] || [ "$ag_docs" != "$xa_docs" ]; then
        echo "compare_xapian: $c: agentgate saw $ag_docs docs/$ag_q queries, xapian $xa_docs docs/$xa_q queries" >&2
        exit 1
    fi

    echo "== $c: $ag_docs docs, $ag_q judged queries"
    {
        printf 'metric\tagentgate\txapian\tratio\n'
        for m in ndcg@10 map recall@100 mrr; do
            printf '%s\t%s\t%s\n' "$m" "$(json_get "$ag_json" "$m")" "$(json_get "$xa_json" "$m")"
        done
        printf '%s\t%s\t%s\n' "p50_ms" "$(json_get "$ag_json" p50_ms)" "$(kv_get "$tmp/$c.xapian.err" p50_ms)"
        printf '%s\t%s\t%s\n' "p99_ms" "$(json_get "$ag_json" p99_ms)" "$(kv_get "$tmp/$c.xapian.err" p99_ms)"
        printf '%s\t%s\t%s\n' "index_s" "$(json_get "$ag_json" index_s)" "$(kv_get "$tmp/$c.xapian.err" index_s)"
    } | awk -F'\t' 'NR == 1 { printf "%-12s %10s %10s %8s\n", $1, $2, $3, $4; next }
                   { r = ($3 + 0 > 0) ? sprintf("%.3f", $2 / $3) : "n/a";
                     printf "%-12s %10.4f %10.4f %8s\n", $1, $2, $3, r }'

    ag_n="$(json_get "$ag_json" ndcg@10)"
    xa_n="$(json_get "$xa_json" ndcg@10)"
    if awk -v a="$ag_n" -v x="$xa_n" 'BEGIN { exit !(a + 0 >= x + 0) }'; then
        echo "check $c: agentgate nDCG@10 $ag_n >= xapian $xa_n: ok"
    else
        echo "check $c: agentgate nDCG@10 $ag_n < xapian $xa_n: BELOW"
        failed_check=1
    fi
    echo
done

if [ "$check" = 1 ] && [ "$failed_check" = 1 ]; then
    echo "compare_xapian --check: agentgate nDCG@10 is below xapian's on at least one collection" >&2
    exit 1
fi
exit 0
