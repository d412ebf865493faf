# Sourced by this folder's run scripts on a GPU machine, from the repository root, after `bash environment/gpu/pack.sh`
# here (carry artifacts/gpu). Unpacks parp-gpu once into $PARP_WORK (default /tmp/parp-gpu), puts LibTorch on the library
# path (PyTorch's own, or LIBTORCH_DIR: the NuGet package's natives for a dry run on a CPU machine), puts the packed
# espeak-ng on PATH where the machine has none, and defines PARP_GPU, parp_train, model_bench and prune_bench.
PARP_WORK=${PARP_WORK:-/tmp/parp-gpu}
PARP_GPU=$PARP_WORK/parp-gpu/parp-gpu   # the program itself, for callers that need an executable (timeout)
if [ ! -x "$PARP_GPU" ]; then
  [ -f artifacts/gpu/parp-gpu.tar.xz ] || { echo "error: artifacts/gpu/parp-gpu.tar.xz is missing: run environment/gpu/pack.sh here and carry artifacts/gpu" >&2; exit 1; }
  mkdir -p "$PARP_WORK" && tar -C "$PARP_WORK" -xJf artifacts/gpu/parp-gpu.tar.xz
fi
export LD_LIBRARY_PATH=${LIBTORCH_DIR:-$(python3 -c 'import torch,os;print(os.path.join(os.path.dirname(torch.__file__),"lib"))')}:${LD_LIBRARY_PATH:-}
if ! command -v espeak-ng >/dev/null && [ -f artifacts/gpu/espeak-ng.tar.xz ]; then
  [ -x "$PARP_WORK/espeak/espeak-ng" ] || { mkdir -p "$PARP_WORK/espeak" && tar -C "$PARP_WORK/espeak" -xJf artifacts/gpu/espeak-ng.tar.xz; }
  source "$PARP_WORK/espeak/env.sh"
fi
# Generated corpora are regenerated into the machine's own cache, not into the repository that travels back.
export PARP_CORPORA=${PARP_CORPORA:-$PARP_WORK/corpora}
parp_train() { "$PARP_GPU" train "$@"; }
model_bench() { "$PARP_GPU" model-bench "$@"; }
prune_bench() { "$PARP_GPU" prune-bench "$@"; }
