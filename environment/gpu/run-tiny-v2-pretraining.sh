#!/usr/bin/env bash
# On a GPU machine (PyTorch, no .NET, no espeak-ng), from the repository root, after `bash environment/gpu/pack.sh` here:
#   bash environment/gpu/run-tiny-v2-pretraining.sh OUT_DIR        (device tool: carry artifacts/gpu, timeout_s 600)
# Pre-trains Tiny v2 (recipe tiny-v2: all eleven languages' tiny pools, models/tiny-pretrained/README.md) in one command:
# regenerates the pools with the packed espeak-ng, trains until done or until BUDGET_S seconds after the start (default
# 540), then writes to OUT_DIR:
#   tiny-v2-model.tar.xz               model/, recipe.json, metrics.jsonl (when the run finished)
#   tiny-v2-run.tar.xz.part*           the run folder with its latest checkpoint, in parts under 16 MiB (when it did not)
#   tiny-v2-pretraining.log            everything the command printed
# A run stopped by the budget writes a checkpoint (SIGINT) and resumes from it when the same command runs again on the
# same machine, or on another one with the parts unpacked into $RUNS/pt. Its worth is measured on a CPU afterwards:
#   dotnet run -c Release --project tools/Train -- theta0-study --models models/tiny-pretrained,DIR_OF_V2
# SCALE=smoke runs the same pipeline at smoke scale with the smoke recipe (a dry run anywhere: LIBTORCH_DIR=... on a CPU).
set -uo pipefail
out=${1:?usage: run-tiny-v2-pretraining.sh OUT_DIR}
scale=${SCALE:-tiny}
recipe=$([ "$scale" = smoke ] && echo smoke || echo tiny-v2)
budget=${BUDGET_S:-540}
runs=${RUNS:-/tmp/tiny-v2-runs}
started=$(date +%s)
source environment/gpu/tools.sh
device=$(python3 -c 'import torch;print("cuda" if torch.cuda.is_available() else "cpu")' 2>/dev/null || echo cpu)
mkdir -p "$runs" "$out"
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  echo "espeak-ng: $(command -v espeak-ng); device $device; scale $scale; recipe $recipe; budget $budget s"
  # SIGINT is parp-train's Ctrl-C: it stops after the current update and writes a checkpoint. --foreground sends it to
  # parp-train alone, not to the espeak-ng processes that may still be generating the pools.
  left=$((budget - ($(date +%s) - started)))
  timeout --foreground -s INT -k 60 "$left" "$PARP_GPU" train pretrain --out "$runs/pt" --preset "$scale" --recipe "$recipe" \
    --scale "$scale" --langs all --device "$device" --log-every 100
  echo "parp-train exited with $? at $(( $(date +%s) - started )) s"
  cd "$runs/pt" 2>/dev/null || { echo "no run folder: the budget ended before training began"; exit 1; }
  if [ -f model/model.safetensors ]; then
    tar -cf - model recipe.json metrics.jsonl | xz -T0 > "$out/tiny-v2-model.tar.xz"
  else
    latest=checkpoints/$(cat checkpoints/latest)
    tar -cf - "$latest" checkpoints/latest recipe.json metrics.jsonl | xz -T0 | split -b 15M - "$out/tiny-v2-run.tar.xz.part"
  fi
  ls -la "$out"
  echo "all done at $(( $(date +%s) - started )) s"
} 2>&1 | tee "$out/tiny-v2-pretraining.log"
