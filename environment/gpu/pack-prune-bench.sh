#!/usr/bin/env bash
# Builds a self-contained PruneBench with NO LibTorch package into artifacts/gpu-prune/ (git-ignored; carry it to the GPU
# machine, whose PyTorch provides LibTorch, docs/environment.md §3). Then run environment/gpu/run-prune-bench.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu-prune
rm -rf "$out" && mkdir -p "$out"
dotnet publish tools/PruneBench -c Release -r linux-x64 --self-contained true -p:TorchBackend=none -o "$out/PruneBench" >/dev/null
tar -C "$out" -cJf "$out/PruneBench.tar.xz" PruneBench && rm -rf "$out/PruneBench"
# The publish restored lib/ without LibTorch (TorchBackend=none); put the CPU build back.
dotnet build lib >/dev/null
ls -la "$out"
