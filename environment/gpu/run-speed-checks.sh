#!/usr/bin/env bash
# On a GPU machine, from the repository root, after pack.sh here (carry artifacts/gpu):
#   bash environment/gpu/run-speed-checks.sh [OUT_DIR]
# The model checks (golden fixtures on CUDA, the BASE training step against transformers) and then the pruning checks
# (masks on CUDA against the CPU's, re-prune time, PARP's overhead). Logs: OUT_DIR/model-checks.log, prune-bench.log.
set -uo pipefail
out=${1:-/tmp}
bash environment/gpu/run-model-checks.sh "$out"
bash environment/gpu/run-prune-bench.sh "$out"
