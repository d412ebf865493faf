#!/usr/bin/env bash
# Builds what the two GPU speed checks need (artifacts/gpu/ and artifacts/gpu-prune/, about 60 MiB together, git-ignored):
# carry both to the GPU machine and run environment/gpu/run-speed-checks.sh there, in one call (estimated 7 minutes).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash environment/gpu/pack-model-checks.sh
bash environment/gpu/pack-prune-bench.sh
