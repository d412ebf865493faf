#!/usr/bin/env bash
# On a GPU machine with PyTorch but no .NET, from the repository root, after pack.sh here (carry artifacts/gpu):
#   bash environment/gpu/run-train.sh pretrain|finetune|evaluate|bench|memory-check ARGS...
# parp-train as on a machine with .NET (tools/Train/README.md), on PyTorch's LibTorch, with the generated corpora
# regenerated into $PARP_WORK/corpora by the packed espeak-ng where missing (tools.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"
parp_train "$@"
