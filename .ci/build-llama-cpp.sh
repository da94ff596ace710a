#!/usr/bin/env bash
# Builds llama-server and llama-quantize (CPU only) from the llama.cpp source that node-llama-cpp
# ships as a git bundle, into a cache folder outside the repo keyed by the bundle's commit, so a
# second run does not rebuild. The first build takes ~15-25 minutes on 2 cores.
#
#   usage: bash .ci/build-llama-cpp.sh        prints the folder holding bin/llama-server on the last line
#   PHI2_LLAMA_CPP_DIR overrides the cache root (default ~/.cache/phi2-complete/llama.cpp).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$repo_root/node_modules/node-llama-cpp/llama/gitRelease.bundle"
say() { printf '[llama.cpp] %s\n' "$*" >&2; }
[ -f "$bundle" ] || { say "ERROR: $bundle is missing: run npm ci first"; exit 1; }
command -v cmake >/dev/null 2>&1 || { say "ERROR: cmake is missing: apt-get install cmake"; exit 1; }

commit="$(git bundle list-heads "$bundle" | awk 'NR==1 { print $1 }')"
cache_root="${PHI2_LLAMA_CPP_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phi2-complete/llama.cpp}"
build_root="$cache_root/$commit"
bin_dir="$build_root/bin"

if [ -x "$bin_dir/llama-server" ] && [ -x "$bin_dir/llama-quantize" ]; then
  echo "$build_root"
  exit 0
fi

say "building llama-server and llama-quantize from $commit (first time only, ~15-25 min on 2 cores)"
mkdir -p "$build_root"
source_dir="$build_root/src"
if [ ! -f "$source_dir/CMakeLists.txt" ]; then
  rm -rf "$source_dir"
  git clone --quiet "$bundle" "$source_dir"
  git -C "$source_dir" checkout --quiet "$commit"
fi
jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S "$source_dir" -B "$source_dir/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON >&2
cmake --build "$source_dir/build" --target llama-server llama-quantize -j "$jobs" >&2
mkdir -p "$bin_dir.tmp"
cp "$source_dir/build/bin/llama-server" "$source_dir/build/bin/llama-quantize" "$bin_dir.tmp/"
rm -rf "$bin_dir"
mv "$bin_dir.tmp" "$bin_dir"
# The object files are not needed once the binaries are copied out (~1 GB).
rm -rf "$source_dir/build"
say "built $bin_dir"
echo "$build_root"
