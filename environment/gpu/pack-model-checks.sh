#!/usr/bin/env bash
# Builds what the GPU model checks need into artifacts/gpu/ (git-ignored; carry it to the GPU machine):
# a self-contained ModelBench with NO LibTorch package (the GPU machine's PyTorch provides LibTorch, docs/environment.md §3),
# the golden fixtures, and the transformers load check. Then run environment/gpu/run-model-checks.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu
rm -rf "$out" && mkdir -p "$out"
dotnet publish tools/ModelBench -c Release -r linux-x64 --self-contained true -p:TorchBackend=none -o "$out/ModelBench" >/dev/null
tar -C "$out" -cJf "$out/ModelBench.tar.xz" ModelBench && rm -rf "$out/ModelBench"
# The publish restored lib/ without LibTorch (TorchBackend=none) into lib/bin and obj/; put the CPU build back.
dotnet build lib >/dev/null
ls -la "$out"
