#!/usr/bin/env bash
# Builds what GPU training runs need into artifacts/gpu-train/ (git-ignored; carry it to the GPU machine):
# a self-contained parp-train with NO LibTorch package (the GPU machine's PyTorch provides LibTorch, docs/environment.md §3)
# and, optionally, the cached audio of generated corpora (GPU machines may lack espeak-ng): pass scales, e.g. "smoke tiny".
#   bash environment/gpu/pack-train.sh [SCALE...]
# Then, on the GPU machine, from the repository root: bash environment/gpu/run-train.sh parp-train ARGS...
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu-train
rm -rf "$out" && mkdir -p "$out"
dotnet publish tools/Train -c Release -r linux-x64 --self-contained true -p:TorchBackend=none -o "$out/parp-train" >/dev/null
tar -C "$out" -cJf "$out/parp-train.tar.xz" parp-train && rm -rf "$out/parp-train"
for scale in "$@"; do
  corpus=$([ "$scale" = smoke ] && echo espeak-smoke || echo espeak)
  tar -C artifacts/cache/corpora -cJf "$out/corpora-$corpus.tar.xz" "$corpus"
done
# The publish restored lib/ without LibTorch (TorchBackend=none) into lib/bin and obj/; put the CPU build back.
dotnet build lib >/dev/null
ls -la "$out"
