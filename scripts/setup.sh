#!/usr/bin/env bash
# scripts/setup.sh: install what agentgate needs to build and test, idempotently.
#  1. Debian packages listed in scripts/packages.txt (skipped when all are present).
#  2. the openai npm client for the e2e tests (pinned, cached under $AG_CACHE).
#  3. llama.cpp: a system install if `pkg-config llama` finds one; otherwise the release
#     pinned inside the npm package node-llama-cpp@3.21.1 (llama/gitRelease.bundle), built
#     once for this CPU and cached outside the repo under $AG_CACHE, keyed by version.
# Prints the PKG_CONFIG_PATH to use on its last line as `PKG_CONFIG_PATH=...`.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
NODE_LLAMA_CPP_VERSION=3.21.1
AG_CACHE="${AG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentgate}"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'setup: %s\n' "$*" >&2; }

# --- 1. Debian packages -----------------------------------------------------------
missing=()
while read -r name minver; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    have="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)"
    if [[ "$have" != "install ok installed "* ]]; then
        missing+=("$name")
    elif [[ -n "${minver:-}" ]]; then
        ver="${have#install ok installed }"
        if ! dpkg --compare-versions "$ver" ge "$minver"; then
            missing+=("$name")
        fi
    fi
done < "$here/packages.txt"
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    # No service may start during the install (redis-server would take port 6379 for good):
    # a policy-rc.d that says 101 ("action forbidden") is honoured by invoke-rc.d and
    # deb-systemd-invoke. One already there (containers ship one) is left alone.
    own_policy=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    $SUDO apt-get update -qq
    rc=0
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
    if [[ -n "$own_policy" ]]; then
        $SUDO rm -f /usr/sbin/policy-rc.d
    fi
    ((rc == 0)) || exit "$rc"
fi
# Tests start redis-server themselves on a free loopback port; the system service stays off
# (also at the next boot), whether this run installed it or an earlier one did.
if [[ -d /run/systemd/system ]] && systemctl is-enabled --quiet redis-server 2>/dev/null; then
    log "disabling the system redis-server service"
    $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
# The same for PostgreSQL: tests run their own cluster (tests/tools/pg.sh) on a free port.
if [[ -d /run/systemd/system ]] && systemctl is-enabled --quiet postgresql 2>/dev/null; then
    log "disabling the system postgresql service"
    $SUDO systemctl disable --now postgresql >/dev/null 2>&1 || true
fi

# npm fetches the pinned llama.cpp bundle and the openai client; a NodeSource nodejs already
# ships it, and Debian's own nodejs+npm conflict with that, so install only when absent.
need_npm() { ! command -v npm >/dev/null || ! command -v node >/dev/null; }
if need_npm; then
    log "installing nodejs npm"
    ${SUDO:-} apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# --- 2. the official openai npm client (the e2e tests use it against our API) --------
# Pinned, installed once into the cache (outside the repo); tests find it there.
OPENAI_NPM_VERSION=7.60.0
openai_dir="$AG_CACHE/node-openai-$OPENAI_NPM_VERSION"
if [[ ! -f "$openai_dir/.complete" ]] && command -v npm >/dev/null; then
    log "installing the openai npm package $OPENAI_NPM_VERSION into $openai_dir"
    rm -rf "$openai_dir"
    mkdir -p "$openai_dir"
    (cd "$openai_dir" && timeout 600 npm install --silent --no-audit --no-fund --prefix . \
        "openai@$OPENAI_NPM_VERSION" >/dev/null) && touch "$openai_dir/.complete"
fi

# --- 3. llama.cpp --------------------------------------------------------------------
if pkg-config --exists llama 2>/dev/null && [[ -z "${AG_FORCE_BUNDLED_LLAMA:-}" ]]; then
    log "llama.cpp: system install $(pkg-config --modversion llama)"
    echo "PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-}"
    exit 0
fi

# The cache key names the pinned package version and this CPU's feature flags, so a
# cache copied to another machine is never used with instructions it lacks.
cpukey="$(grep -m1 '^flags' /proc/cpuinfo | sha256sum | cut -c1-12)"
prefix="$AG_CACHE/llama-node-llama-cpp-$NODE_LLAMA_CPP_VERSION-$cpukey"
if [[ -f "$prefix/.complete" ]]; then
    log "llama.cpp: cached at $prefix"
    echo "PKG_CONFIG_PATH=$prefix/lib/pkgconfig"
    exit 0
fi

work="$AG_CACHE/work-$NODE_LLAMA_CPP_VERSION"
rm -rf "$work" "$prefix"
mkdir -p "$work"
log "llama.cpp: fetching node-llama-cpp@$NODE_LLAMA_CPP_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-llama-cpp@$NODE_LLAMA_CPP_VERSION" >/dev/null)
tar -xzf "$work"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle \
    package/llama/binariesGithubRelease.json 2>/dev/null ||
    tar -xzf "$work"/node-llama-cpp-*.tgz -C "$work" package/llama/gitRelease.bundle
git -c advice.detachedHead=false clone -q "$work/package/llama/gitRelease.bundle" "$work/llama.cpp"
release="$(cd "$work/llama.cpp" && git describe --tags --always 2>/dev/null || echo unknown)"
log "llama.cpp: building release $release for the CPU (a few minutes, once)"
cmake -S "$work/llama.cpp" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_SHARED_LIBS=ON -DGGML_NATIVE=ON \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_OPENSSL=OFF -DGGML_OPENMP=OFF >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
cmake --install "$work/build" >/dev/null
# Keep the tokenizer GGUFs and their reference tokenisations for tests.
mkdir -p "$prefix/share/llama-models"
cp "$work/llama.cpp"/models/ggml-vocab-*.gguf* "$prefix/share/llama-models/" 2>/dev/null || true
# gguf-py (the bundle's own GGUF writer) for generating tiny test models later.
cp -r "$work/llama.cpp/gguf-py" "$prefix/share/gguf-py" 2>/dev/null || true
echo "$release" > "$prefix/RELEASE"
touch "$prefix/.complete"
rm -rf "$work"
log "llama.cpp: installed at $prefix"
echo "PKG_CONFIG_PATH=$prefix/lib/pkgconfig"
