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
#   3. ROUNDS times, alternating which goes first:
#        llm_bench MODEL --npp NPP --ntg NTG --npl NPL --parallel 16 --ctx CTX --batch B -t T
#        llama-batched-bench -m MODEL -c 17*CTX -b B+16 -ub B+16 -kvu -npp P -ntg NTG
#                            -npl NPL -t T
#      The context, batch and unified KV cache are the engine's (src/llm/engine.c: 16 turns
#      and the shared-prefix sequence of CTX tokens each; a step of B prompt tokens plus one
#      token per turn). P is the prompt length llm_bench measured (usage.prompt_tokens per
#      turn, template included). No -pps: every agentgate turn has its own system prompt
#      and question, so the engine shares no prefix and both sides evaluate N whole prompts.
# Prints every JSON line and a table of medians over the rounds: N, batched-bench S t/s,
# agentgate S t/s and their ratio, and the same for generation only (S_TG t/s).
# Not a test (CI never runs it); about 4 minutes on 2 cores once the tools are built.
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
SHAPE=(--layers 16 --heads 16 --kv-heads 4 --ff 2816 --ctx 4096 --f16 --untied)
N_EMBD=1024
log() { printf 'llm.sh: %s\n' "$*" >&2; }

bin="$("$here/llama_tools.sh" | tail -n1)"
make -C "$repo" --no-print-directory TARGET=gen_tiny_model >/dev/null
make -C "$repo" --no-print-directory TARGET=llm_bench >/dev/null
build="$repo/build/default"
models="$(sed -n 's/^PKG_CONFIG_PATH=//p' "$repo/build/.setup.out" | tail -n1)"
models="${models%/lib/pkgconfig}/share/llama-models"

key="e${N_EMBD}-l16-h16-kv4-ff2816-untied-s${SEED}"
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
pp=""
run_ours() {
    timeout 600 "$build/llm_bench" "$model" --npp "$NPP" --ntg "$NTG" --npl "$NPL" \
        --parallel "$PARALLEL" --ctx "$CTX" --batch "$BATCH" --threads "$THREADS" \
        --round "$1" | tee -a "$out/ours.jsonl"
}
run_theirs() {
    timeout 600 "$bin/llama-batched-bench" -m "$model" -c "$KV" -b "$UB" -ub "$UB" -kvu \
        -npp "$pp" -ntg "$NTG" -npl "$NPL" -t "$THREADS" \
        --output-format jsonl 2>"$out/batched-bench.log" | grep '^{' | tee -a "$out/theirs.jsonl"
}
for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then
        run_ours "$r"
        if [[ -z "$pp" ]]; then # batched-bench gets the prompt length agentgate measured
            pp=$(/usr/bin/python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1])]
print(round(sum(r["prompt_tokens"] for r in rows)/sum(r["n"] for r in rows)))' "$out/ours.jsonl")
            log "prompt tokens per turn (measured): $pp"
        fi
        run_theirs
    else
        run_theirs
        run_ours "$r"
    fi
done
echo "command: llama-batched-bench -m $(basename "$model") -c $KV -b $UB -ub $UB -kvu" \
    "-npp $pp -ntg $NTG -npl $NPL -t $THREADS" \
    "vs llm_bench --npp $NPP --ntg $NTG --npl $NPL --parallel $PARALLEL --ctx $CTX" \
    "--batch $BATCH --threads $THREADS; $ROUNDS rounds, medians"
/usr/bin/python3 - "$out/ours.jsonl" "$out/theirs.jsonl" <<'PY'
import json, statistics, sys
ours = [json.loads(l) for l in open(sys.argv[1])]
theirs = [json.loads(l) for l in open(sys.argv[2])]
print("| N | batched-bench S t/s | agentgate S t/s | ratio | batched-bench S_TG t/s "
      "| agentgate S_TG t/s | ratio |")
print("|---:|---:|---:|---:|---:|---:|---:|")
for n in sorted({r["n"] for r in ours}):
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    o = [r for r in ours if r["n"] == n]
    t = [r for r in theirs if r["pl"] == n]
    if not t:
        continue
    so, st = med(o, "s_tps"), med(t, "speed")
    go, gt = med(o, "s_tg_tps"), med(t, "speed_tg")
    print(f"| {n} | {st:.1f} | {so:.1f} | {so / st:.2f} | {gt:.1f} | {go:.1f} | {go / gt:.2f} |")
PY
