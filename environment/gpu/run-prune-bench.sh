#!/usr/bin/env bash
# On a GPU machine with PyTorch but no .NET, from the repository root, after pack.sh here (carry artifacts/gpu):
#   bash environment/gpu/run-prune-bench.sh [OUT_DIR]
# 1. masks computed on CUDA equal the CPU's, 2. one global re-prune of the BASE and LARGE pools on CUDA (and the host's
# share of it: the same pools a few values wide), 3. PARP's overhead over a BASE training run (batch 8 x 15 s,
# re-prune every 20 and every 50 updates). About 4 minutes on an H200. Results go to OUT_DIR/prune-bench.log.
set -uo pipefail
out=${1:-/tmp}; log="$out/prune-bench.log"
source environment/gpu/tools.sh
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  prune_bench agree --device cuda --size base
  prune_bench reprune --device cuda --sizes base,large --iters 5
  prune_bench reprune --device cuda --sizes base,large --iters 5 --narrow true
  prune_bench overhead --device cuda --size base --batch 8 --seconds 15 --updates 60 --interval 20
  prune_bench overhead --device cuda --size base --batch 8 --seconds 15 --updates 200 --interval 50
} 2>&1 | tee "$log"
