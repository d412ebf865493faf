#!/usr/bin/env bash
# On a GPU machine with PyTorch but no .NET, from the repository root, after pack-train.sh:
#   bash environment/gpu/run-train.sh pretrain|finetune|evaluate|bench|memory-check ARGS...
# Unpacks parp-train (once) and any packed corpora into $PARP_WORK (default /tmp/parp-train), points LibTorch at
# PyTorch's, and runs parp-train with the corpora cache there.
set -euo pipefail
work=${PARP_WORK:-/tmp/parp-train}
mkdir -p "$work/corpora"
[ -x "$work/parp-train/parp-train" ] || tar -C "$work" -xJf artifacts/gpu-train/parp-train.tar.xz
for t in artifacts/gpu-train/corpora-*.tar.xz; do
  [ -e "$t" ] || continue
  stamp="$work/corpora/.$(basename "$t").done"
  [ -e "$stamp" ] || { tar -C "$work/corpora" -xJf "$t" && touch "$stamp"; }
done
# LibTorch: PyTorch's own (the GPU machines), or LIBTORCH_DIR (e.g. the NuGet package's natives, for a dry run here).
TL=${LIBTORCH_DIR:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}
export LD_LIBRARY_PATH=$TL:${LD_LIBRARY_PATH:-}
export PARP_CORPORA=${PARP_CORPORA:-$work/corpora}
# A packed espeak-ng (environment/gpu/pack-espeak.sh) regenerates missing corpora where the machine has none.
if ! command -v espeak-ng >/dev/null && [ -f artifacts/gpu/espeak-ng.tar.xz ]; then
  [ -x "$work/espeak/espeak-ng" ] || { mkdir -p "$work/espeak" && tar -C "$work/espeak" -xJf artifacts/gpu/espeak-ng.tar.xz; }
  source "$work/espeak/env.sh"
fi
exec "$work/parp-train/parp-train" "$@"
