#!/usr/bin/env bash
# bench/llm.sh: aggregate tokens/s of the llama backend at 1, 4, 8 and 16 concurrent turns,
# side by side with llama.cpp's own llama-batched-bench on the same model file (issue 5,
# target: agentgate >= 90% of batched-bench).
#
#   1. bench/llama_tools.sh: llama-batched-bench and llama-quantize of the release the project
#      links, built once with setup.sh's ggml options and cached under $AG_CACHE
#   2. gen_tiny_model writes a Llama model of realistic shape with seeded random weights (the
#      cost of a token depends on the shape, not the weights): n_embd 1024, 16 layers, 16 heads,
#      4 KV heads, n_ff 2816, untied output, vocabulary of ggml-vocab-llama-spm.gguf (32000):
#      246 M parameters; llama-quantize makes Q8_0 of it; cached by shape, seed and type
#   3. ROUNDS times, for each N of NPL, the two back to back, alternating which goes first:
#        llm_bench MODEL --npp NPP --ntg NTG --npl N --parallel 16 --ctx CTX --batch B -t T
#        llama-batched-bench -m MODEL -c 17*CTX -b B+16 -ub B+16 -kvu -npp P -ntg NTG
#                            -npl N -t T
#      The context, batch and unified KV cache are the engine's (src/llm/engine.c: 16 turns
#      and the shared-prefix sequence of CTX tokens each; a step of B prompt tokens plus one
#      token per turn). P is the prompt length llm_bench measured (usage.prompt_tokens per
#      turn, template included). No -pps: every agentgate turn has its own system prompt
#      and question, so the engine shares no prefix and both sides evaluate N whole prompts.
# Prints every JSON line and a table: N, the medians over the rounds of batched-bench's and
# agentgate's S t/s, the median of the rounds' ratios (agentgate / batched-bench, each
# round's pair ran back to back), the same for generation only (S_TG t/s), and every
# round's S ratio. The machine is shared, so only ratios of neighbouring runs mean much.
# Not a test (CI never runs it); 5 to 10 minutes on the shared 2 cores once the tools are built.
#
# Usage: bench/llm.sh            env: NPP=128 NTG=64 NPL=1,4,8,16 THREADS=2 ROUNDS=3
#                                     BATCH=512 QUANT=Q8_0 SEED=42
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
AG_CACHE="${AG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentgate}"
NPP="${NPP:-128}" NTG="${NTG:-64}" NPL="${NPL:-1,4,8,16}" THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-3}" BATCH="${BATCH:-512}" QUANT="${QUANT:-Q8_0}" SEED="${SEED:-42}"
PARALLEL=16
CTX=$(((NPP + NTG + 63) / 64 * 64 + 64)) # per turn: prompt, answer, template slack
KV=$(((PARALLEL + 1) * CTX))             # the engine's n_ctx: the turns and the prefix
UB=$((BATCH + PARALLEL))                 # the engine's n_batch = n_ubatch
SHAPE=(--layers 16 --heads 16 --kv-heads 4 --ff 2816 --ctx 8192 --f16 --untied)
N_EMBD=1024
log() { printf 'llm.sh: %s\n' "$*" >&2; }

bin="$("$here/llama_tools.sh" | tail -n1)"
make -C "$repo" --no-print-directory TARGET=gen_tiny_model >/dev/null
make -C "$repo" --no-print-directory TARGET=llm_bench >/dev/null
build="$repo/build/default"
models="$(sed -n 's/^PKG_CONFIG_PATH=//p' "$repo/build/.setup.out" | tail -n1)"
models="${models%/lib/pkgconfig}/share/llama-models"

key="e$N_EMBD-$(printf '%s' "${SHAPE[*]}" | sed 's/--//g; s/ /-/g')-s$SEED" # shape and seed
model="$AG_CACHE/bench-models/agentgate-bench-$key-$QUANT.gguf"
if [[ ! -f "$model" ]]; then
    mkdir -p "$AG_CACHE/bench-models"
    f16="$AG_CACHE/bench-models/agentgate-bench-$key-F16.gguf.tmp"
    log "generating $key (F16) and quantising to $QUANT"
    "$build/gen_tiny_model" "${SHAPE[@]}" "$models/ggml-vocab-llama-spm.gguf" "$f16" \
        "$N_EMBD" "$SEED"
    timeout 600 "$bin/llama-quantize" "$f16" "$model.tmp" "$QUANT" "$THREADS" \
        >"$AG_CACHE/bench-models/quantize.log" 2>&1 ||
        { tail -20 "$AG_CACHE/bench-models/quantize.log" >&2; exit 1; }
    rm -f "$f16"
    mv "$model.tmp" "$model"
fi
log "model $model ($(du -m "$model" | cut -f1) MB)"

out="$repo/build/bench/llm"
mkdir -p "$out"
: >"$out/ours.jsonl"
: >"$out/theirs.jsonl"
load0="$(cut -d' ' -f1-3 /proc/loadavg)"
run_ours() { # round, N
    timeout 600 "$build/llm_bench" "$model" --npp "$NPP" --ntg "$NTG" --npl "$2" \
        --parallel "$PARALLEL" --ctx "$CTX" --batch "$BATCH" --threads "$THREADS" \
        --round "$1"
}
run_theirs() { # round, N
    timeout 600 "$bin/llama-batched-bench" -m "$model" -c "$KV" -b "$UB" -ub "$UB" -kvu \
        -npp "$pp" -ntg "$NTG" -npl "$2" -t "$THREADS" --output-format jsonl \
        2>"$out/batched-bench.log" | sed -n "s/^{/{\"round\": $1, /p"
}
# batched-bench gets the prompt length agentgate's turns measured (template included).
pp=$(run_ours 0 1 | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["prompt_tokens"])')
log "prompt tokens per turn (measured): $pp"
# Each N runs back to back on both sides, the order alternating, so a pair shares the
# machine's load of the moment.
IFS=, read -ra levels <<<"$NPL"
k=0
for ((r = 1; r <= ROUNDS; r++)); do
    for n in "${levels[@]}"; do
        if ((k++ % 2)); then
            run_theirs "$r" "$n" | tee -a "$out/theirs.jsonl"
            run_ours "$r" "$n" | tee -a "$out/ours.jsonl"
        else
            run_ours "$r" "$n" | tee -a "$out/ours.jsonl"
            run_theirs "$r" "$n" | tee -a "$out/theirs.jsonl"
        fi
    done
done
echo "command: llama-batched-bench -m $(basename "$model") -c $KV -b $UB -ub $UB -kvu" \
    "-npp $pp -ntg $NTG -npl $NPL -t $THREADS" \
    "vs llm_bench --npp $NPP --ntg $NTG --npl $NPL --parallel $PARALLEL --ctx $CTX" \
    "--batch $BATCH --threads $THREADS; $ROUNDS rounds, medians; load before: $load0"
/usr/bin/python3 - "$out/ours.jsonl" "$out/theirs.jsonl" <<'PY'
import json, statistics, sys
ours = [json.loads(l) for l in open(sys.argv[1])]
theirs = [json.loads(l) for l in open(sys.argv[2])]
ns = sorted({r["n"] for r in ours})
med = statistics.median
print("| N | batched-bench S t/s | agentgate S t/s | S ratio | batched-bench S_TG t/s "
      "| agentgate S_TG t/s | S_TG ratio | S ratio per round |")
print("|---:|---:|---:|---:|---:|---:|---:|---|")
for n in ns:
    o = {r["round"]: r for r in ours if r["n"] == n}
    t = {r["round"]: r for r in theirs if r["pl"] == n}
    rounds = sorted(set(o) & set(t))
    if not rounds:
        continue
    ratio = [o[k]["s_tps"] / t[k]["speed"] for k in rounds]
    ratio_tg = [o[k]["s_tg_tps"] / t[k]["speed_tg"] for k in rounds]
    print(f"| {n} | {med(t[k]['speed'] for k in rounds):.1f} "
          f"| {med(o[k]['s_tps'] for k in rounds):.1f} | **{med(ratio):.2f}** "
          f"| {med(t[k]['speed_tg'] for k in rounds):.1f} "
          f"| {med(o[k]['s_tg_tps'] for k in rounds):.1f} | {med(ratio_tg):.2f} "
          f"| {' '.join(f'{x:.2f}' for x in ratio)} |")
PY
