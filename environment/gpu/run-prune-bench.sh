#!/usr/bin/env bash
# On a GPU machine with PyTorch but no .NET, from the repository root, after pack-prune-bench.sh:
#   bash environment/gpu/run-prune-bench.sh [OUT_DIR]
# 1. masks computed on CUDA equal the CPU's, 2. one global re-prune of the BASE and LARGE pools on CUDA (and the host's
# share of it: the same pools a few values wide), 3. PARP's overhead over a BASE training run (batch 8 x 15 s,
# re-prune every 20 and every 50 updates). About 4 minutes on an H200. Results go to OUT_DIR/prune-bench.log.
set -uo pipefail
out=${1:-/tmp}; log="$out/prune-bench.log"
work=$(mktemp -d)
tar -C "$work" -xJf artifacts/gpu-prune/PruneBench.tar.xz
TL=$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')
export LD_LIBRARY_PATH=$TL:${LD_LIBRARY_PATH:-}
B="$work/PruneBench/PruneBench"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  "$B" agree --device cuda --size base
  "$B" reprune --device cuda --sizes base,large --iters 5
  "$B" reprune --device cuda --sizes base,large --iters 5 --narrow true
  "$B" overhead --device cuda --size base --batch 8 --seconds 15 --updates 60 --interval 20
  "$B" overhead --device cuda --size base --batch 8 --seconds 15 --updates 200 --interval 50
} 2>&1 | tee "$log"
