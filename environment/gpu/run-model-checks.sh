#!/usr/bin/env bash
# On a GPU machine with PyTorch (and transformers) but no .NET, from the repository root, after pack.sh here (carry artifacts/gpu):
#   bash environment/gpu/run-model-checks.sh [OUT_DIR]
# 1. golden fixtures on CUDA (tolerance 1e-3), 2. BASE CTC training step, batch 8 x 15 s, float32 and bf16, with
#    the trainer's Adam (flat and per tensor) and TorchSharp's, split into forward, backward and optimizer, and the same step and split in
#    transformers on the same card,
# 3. this project's saved checkpoints loaded by transformers. Results go to OUT_DIR/model-checks.log.
set -uo pipefail
out=${1:-/tmp}; log="$out/model-checks.log"
work=$(mktemp -d)
source environment/gpu/tools.sh
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  python3 -c 'import torch,transformers;print("torch",torch.__version__,"transformers",transformers.__version__)'
  model_bench golden --device cuda --tol 1e-3 --fixtures tests/fixtures/hf-wav2vec2
  for dtype in float32 bfloat16; do
    for optimizer in project project-per-tensor torchsharp; do
      model_bench train-step --device cuda --size base --batch 8 --seconds 15 --dtype $dtype --iters 10 --optimizer $optimizer
    done
    # The host's share: the same ops a few channels wide (if close to the step above, the step is host-bound).
    model_bench train-step --device cuda --size base --batch 8 --seconds 15 --dtype $dtype --iters 10 --narrow true
  done
  python3 tools/ModelBench/hf_train_step.py --iters 10
  for f in tiny-base-ctc tiny-large-ctc tiny-pretrain; do model_bench resave --from tests/fixtures/hf-wav2vec2/$f --to "$work/resaved/$f"; done
  python3 tools/ModelBench/check_transformers_load.py "$work/resaved" tests/fixtures/hf-wav2vec2
} 2>&1 | tee "$log"
