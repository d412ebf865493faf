#!/usr/bin/env bash
# GPU check of parp-train (after `bash environment/gpu/pack.sh` here; carry artifacts/gpu), from the repository root:
#   bash environment/gpu/check-train.sh OUT_DIR
# Smoke pre-training, fine-tuning from it (float32) and from scratch (bf16), evaluation, resume of a finished run,
# Tiny pre-training speed, and fine-tuning throughput of Tiny and BASE. Log: OUT_DIR/train-checks.log.
set -uo pipefail
out=${1:-/tmp}; log="$out/train-checks.log"; runs=$(mktemp -d)
source environment/gpu/tools.sh
R=parp_train
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  command -v espeak-ng
  $R pretrain --out "$runs/pt" --preset smoke --recipe smoke --scale smoke --langs en,es --device cuda --log-every 5
  $R finetune --out "$runs/ft" --model "$runs/pt/model" --recipe smoke --scale smoke --lang en --split 10min --eval test --device cuda --log-every 5
  $R finetune --out "$runs/ft" --model "$runs/pt/model" --recipe smoke --scale smoke --lang en --split 10min --device cuda --log-every 5
  $R finetune --out "$runs/ft16" --preset smoke --recipe smoke --scale smoke --lang es --split 10min --bf16 --eval test --device cuda --log-every 5
  $R evaluate --model "$runs/ft/model" --scale smoke --lang en --split test --device cuda --out "$runs/ev"
  $R pretrain --out "$runs/pt-tiny" --preset tiny --recipe tiny --scale smoke --langs en,es --updates 40 --log-every 10 --device cuda
  $R bench --preset tiny --batch 16 --seconds 5 --updates 20 --device cuda
  $R bench --preset base --batch 8 --seconds 15 --updates 10 --device cuda
} 2>&1 | tee "$log"
cp "$runs"/*/metrics.jsonl "$out/" 2>/dev/null; for d in "$runs"/*; do [ -f "$d/metrics.jsonl" ] && cp "$d/metrics.jsonl" "$out/$(basename "$d").metrics.jsonl"; done
cp "$runs"/ft/eval-test.json "$out/" 2>/dev/null || true
