#!/usr/bin/env bash
# Pack what bench_gpu_model.py needs on the GPU machine and is not there (onnxruntime-gpu, CUDA 13
# build; pysbd, orjson, fastjsonschema at the locked versions) into parts that each fit one device
# call beside the working tree: .gpu/pa, .gpu/pb, ... (git-ignored), one part per call.
# Usage, from the project root, after moving what the bench does not need out of the tree
# (README.md beside this file):  benchmarks/gpu/pack.sh [ORT_VERSION]
# On the GPU machine, once every part is in /tmp/gpuparts:
#   mkdir -p /tmp/site && cat /tmp/gpuparts/p? | xz -d -T8 | tar x -C /tmp/site
set -euo pipefail
ORT_VERSION="${1:-1.31.1}"
cd "$(git rev-parse --show-toplevel)"
lock() { grep -i "^$1==" requirements.lock; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$work/whl" "onnxruntime-gpu==${ORT_VERSION}" \
  "$(lock orjson)" "$(lock fastjsonschema)" "$(lock pysbd)"
mkdir -p "$work/site"
for w in "$work"/whl/*.whl; do (cd "$work/site" && unzip -qo "$w"); done
# What travels with every call anyway: tracked files still present, and untracked ones not ignored.
tree=$(git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -f "$f" ] && stat -c %s "$f"; done | awk '{s += $1} END {print s + 0}')
part=$(( 64 * 1024 * 1024 - tree - 1024 * 1024 ))
if [ "$part" -lt $(( 16 * 1024 * 1024 )) ]; then
  echo "the working tree is $(( tree / 1048576 )) MiB: parts would be under 16 MiB; move models/ out first" >&2
  exit 1
fi
rm -rf .gpu && mkdir -p .gpu
(cd "$work/site" && tar cf - . | xz -T2 -6) | split -b "$part" -a 1 - .gpu/p
echo "tree $(( tree / 1048576 )) MiB; parts of $(( part / 1048576 )) MiB:"
ls -l .gpu
