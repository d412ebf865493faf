#!/usr/bin/env bash
# On the GPU machine (PyTorch and transformers, no .NET), from the repository root, after pack.sh here (carry artifacts/gpu):
#   bash environment/gpu/run-text-checks.sh OUT_DIR
# Issue 17's checks in one command (about 2 minutes, estimated): 1. the BERT and XLNet golden fixtures made with
# transformers into OUT_DIR/fixtures (commit them to tests/fixtures/hf-bert and hf-xlnet), 2. this project's models on
# them on CPU and CUDA (tolerance 1e-4), 3. each fixture saved again by this project and loaded by transformers.
# Results go to OUT_DIR/text-checks.log.
set -uo pipefail
out=${1:?OUT_DIR}; log="$out/text-checks.log"
work=$(mktemp -d)
source environment/gpu/tools.sh
{
  python3 -c 'import torch,transformers;print("torch",torch.__version__,"transformers",transformers.__version__)'
  for family in bert xlnet; do
    OUT="$out/fixtures/hf-$family" python3 tests/fixtures/hf-$family/make_hf_fixtures.py
    for device in cpu cuda; do model_bench text-golden --device $device --tol 1e-4 --fixtures "$out/fixtures/hf-$family"; done
    for f in "$out/fixtures/hf-$family"/*/; do
      [ -f "$f/expected.safetensors" ] && model_bench text-resave --from "$f" --to "$work/resaved/$(basename "$f")"
    done
  done
  python3 tools/ModelBench/check_text_load.py "$work/resaved" "$out/fixtures/hf-bert" "$out/fixtures/hf-xlnet"
} 2>&1 | tee "$log"
