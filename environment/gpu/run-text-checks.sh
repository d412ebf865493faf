#!/usr/bin/env bash
# On the GPU machine (PyTorch and transformers, no .NET), from the repository root, after pack.sh here (carry artifacts/gpu):
#   bash environment/gpu/run-text-checks.sh OUT_DIR
# Issue 17's checks in one command (about 2 minutes, estimated): 1. the BERT and XLNet golden fixtures made with
# transformers, 2. this project's models on them on CPU and CUDA (tolerance 1e-4), 3. each fixture saved again by this
# project and loaded by transformers. Writes OUT_DIR/text-checks.log and OUT_DIR/text-fixtures.tar.xz (hf-bert/ and
# hf-xlnet/, to unpack into tests/fixtures/ and commit): the device tool brings back at most 8 files, 2 folders down.
set -uo pipefail
out=${1:?OUT_DIR}; log="$out/text-checks.log"
work=$(mktemp -d)
source environment/gpu/tools.sh
{
  python3 -c 'import torch,transformers;print("torch",torch.__version__,"transformers",transformers.__version__)'
  for family in bert xlnet; do
    OUT="$work/fixtures/hf-$family" python3 tests/fixtures/hf-$family/make_hf_fixtures.py
    for device in cpu cuda; do model_bench text-golden --device $device --tol 1e-4 --fixtures "$work/fixtures/hf-$family"; done
    for f in "$work/fixtures/hf-$family"/*/; do
      [ -f "$f/expected.safetensors" ] && model_bench text-resave --from "$f" --to "$work/resaved/$(basename "$f")"
    done
  done
  python3 tools/ModelBench/check_text_load.py "$work/resaved" "$work/fixtures/hf-bert" "$work/fixtures/hf-xlnet"
  tar -C "$work/fixtures" -cJf "$out/text-fixtures.tar.xz" . && ls -la "$out"
} 2>&1 | tee "$log"
