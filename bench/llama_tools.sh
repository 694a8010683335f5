#!/usr/bin/env bash
# bench/llama_tools.sh: builds llama.cpp's own `llama-batched-bench` and `llama-quantize`
# from the release the project links (the bundle inside node-llama-cpp@3.21.1, as
# scripts/setup.sh does), for the LLM throughput benchmark (bench/llm.sh).
# The ggml options are setup.sh's (Release, GGML_NATIVE=ON, GGML_OPENMP=OFF), so the two
# sides of the comparison run the same kernels; the tools are linked statically so the
# cached bin dir stands alone. Built once per release and CPU, cached outside the repo
# under $AG_CACHE/llama-tools-<release>-<cpukey>/bin. Prints that bin dir on its last line.
# Not a test: CI never runs it.
set -euo pipefail

NODE_LLAMA_CPP_VERSION=3.21.1
AG_CACHE="${AG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentgate}"
JOBS="${JOBS:-2}"
BUILD_TIMEOUT="${BUILD_TIMEOUT:-2400}" # seconds; about 8 minutes on 2 cores
log() { printf 'llama_tools: %s\n' "$*" >&2; }

# The same CPU key as setup.sh: a cache copied to another machine is not used there.
cpukey="$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-12)"
lib_prefix="$AG_CACHE/llama-node-llama-cpp-$NODE_LLAMA_CPP_VERSION-$cpukey"
want=""
if [[ -f "$lib_prefix/RELEASE" ]]; then
    want="$(cat "$lib_prefix/RELEASE")"
else
    log "no cached library at $lib_prefix (run scripts/setup.sh); using the bundle's release"
fi

if [[ -n "$want" ]]; then
    out="$AG_CACHE/llama-tools-$want-$cpukey"
    if [[ -f "$out/.complete" ]]; then
        echo "$out/bin"
        exit 0
    fi
fi

work="$AG_CACHE/work-tools-$NODE_LLAMA_CPP_VERSION"
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
log "fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION (npm's cache answers a second pack)"
(cd "$work" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null)
tar -xzf "$work"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle
git -c advice.detachedHead=false clone -q "$work/package/llama/gitRelease.bundle" "$work/llama.cpp"
release="$(cd "$work/llama.cpp" && git describe --tags --always 2>/dev/null || echo unknown)"
if [[ -n "$want" && "$release" != "$want" ]]; then
    log "the bundle holds $release but the project links $want; refusing to compare them"
    exit 1
fi
out="$AG_CACHE/llama-tools-$release-$cpukey"
if [[ -f "$out/.complete" ]]; then
    echo "$out/bin"
    exit 0
fi
rm -rf "$out"

# The tools need the common library (LLAMA_BUILD_COMMON) and the tools tree
# (LLAMA_BUILD_TOOLS); examples, tests and the server stay off. Only two targets are built.
log "building llama-batched-bench and llama-quantize of release $release (once, minutes)"
cmake -S "$work/llama.cpp" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON -DGGML_OPENMP=OFF \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_COMMON=ON \
    -DLLAMA_BUILD_TOOLS=ON >"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; exit 1; }
timeout "$BUILD_TIMEOUT" cmake --build "$work/build" -j"$JOBS" \
    --target llama-batched-bench llama-quantize >>"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; exit 1; }
mkdir -p "$out/bin"
cp "$work/build/bin/llama-batched-bench" "$work/build/bin/llama-quantize" "$out/bin/"
echo "$release" > "$out/RELEASE"
touch "$out/.complete"
log "installed at $out/bin"
echo "$out/bin"
