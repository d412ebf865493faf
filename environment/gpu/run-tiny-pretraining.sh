#!/usr/bin/env bash
# On a GPU machine (PyTorch, no .NET, no espeak-ng), from the repository root, after `bash environment/gpu/pack.sh`
# here (carry artifacts/gpu), run:  bash environment/gpu/run-tiny-pretraining.sh OUT_DIR
# Makes the project's Tiny model and measures what it is worth (tools/Train/README.md, "The project's Tiny model"):
# regenerates the tiny English and Spanish corpora with the packed espeak-ng, pre-trains Tiny (calibration recipe),
# then fine-tunes on each language's 10min split from the pre-trained model and from random initialisation and
# evaluates on test. Writes to OUT_DIR: tiny-pt.tar.xz (model/, recipe.json, metrics.jsonl), finetune.tar.xz (each
# fine-tuning run's eval-test.json, hypotheses-test.tsv, metrics.jsonl, recipe.json) and tiny-pretraining.log.
# SCALE=smoke runs the same pipeline at smoke scale (a dry run anywhere). A run that aborts is retried: it resumes.
set -uo pipefail
out=${1:?usage: run-tiny-pretraining.sh OUT_DIR}
scale=${SCALE:-tiny}
runs=${RUNS:-/tmp/tiny-runs}
mkdir -p "$runs"
source environment/gpu/tools.sh
device=$(python3 -c 'import torch;print("cuda" if torch.cuda.is_available() else "cpu")' 2>/dev/null || echo cpu)
R=parp_train
retry() { for attempt in 1 2 3; do "$@" && return 0; echo "attempt $attempt failed: $*"; done; return 1; }
started=$(date +%s)
elapsed() { echo $(( $(date +%s) - started )); }
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  echo "espeak-ng: $(command -v espeak-ng); device $device; scale $scale"
  retry $R pretrain --out "$runs/pt" --preset "$scale" --recipe "$scale" --scale "$scale" --langs en,es --device "$device" --log-every 100
  echo "pre-training done at $(elapsed) s"
  (cd "$runs/pt" && tar -cJf "$out/tiny-pt.tar.xz" model recipe.json metrics.jsonl)
  for lang in en es; do
    for init in pt rand; do
      if [ "$init" = pt ]; then from=(--model "$runs/pt/model"); else from=(--preset "$scale"); fi
      retry $R finetune --out "$runs/ft-$lang-$init" "${from[@]}" --recipe "$scale" --scale "$scale" --lang "$lang" \
        --split 10min --eval test --device "$device" --log-every 100
      echo "fine-tuning $lang from $init done at $(elapsed) s"; cat "$runs/ft-$lang-$init/eval-test.json" 2>/dev/null; echo
      (cd "$runs" && tar -cJf "$out/finetune.tar.xz" --exclude=checkpoints --exclude=model ft-*)
    done
  done
  echo "all done at $(elapsed) s"
} 2>&1 | tee "$out/tiny-pretraining.log"
