#!/usr/bin/env bash
# Builds, here, what every script of this folder needs on a GPU machine (PyTorch and transformers, no .NET, no
# espeak-ng), into artifacts/gpu/ (git-ignored; name it in the device tool's `carry`):
#   parp-gpu.tar.xz   parp-train, ModelBench and PruneBench as one self-contained, trimmed program (tools/GpuBundle)
#                     with NO LibTorch: the machine's PyTorch provides it (docs/environment.md §3)
#   espeak-ng.tar.xz  a portable espeak-ng, so the generated corpora are regenerated there bit-identically (pack-espeak.sh)
# and checks that the repository and artifacts/gpu together stay within the 64 MiB the device tool carries.
#   bash environment/gpu/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/gpu
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Trimming the framework's own assemblies (TrimMode=partial keeps the project's and the packages' whole) halves the
# program; the recipes are JSON written by reflection, which trimming would otherwise switch off.
dotnet publish tools/GpuBundle -c Release -r linux-x64 --self-contained true -p:TorchBackend=none \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:JsonSerializerIsReflectionEnabledByDefault=true -o "$work/parp-gpu" >"$work/publish.log" \
  || { cat "$work/publish.log"; exit 1; }
# Debugger and tracing libraries, the alternative garbage collectors, symbols and XML docs: nothing a run loads.
(cd "$work/parp-gpu" && rm -f createdump libmscordaccore.so libmscordbi.so libclrgc.so libclrgcexp.so \
  libcoreclrtraceptprovider.so ./*.pdb ./*.xml)
tar -C "$work" -cJf "$out/parp-gpu.tar.xz" parp-gpu
# The publish restored lib/ without LibTorch (TorchBackend=none) into lib/bin and obj/; put the CPU build back.
dotnet build lib >/dev/null

[ -f "$out/espeak-ng.tar.xz" ] || bash environment/gpu/pack-espeak.sh >/dev/null

# What the device tool sends: tracked files, untracked files git does not ignore, and the carried folder.
# (A file deleted but not yet committed is listed and does not exist: it is skipped, not an error.)
bytes=$(git ls-files -z --cached --others --exclude-standard | { xargs -0 -r stat -c %s 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}')
carried=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
limit=$((64 * 1024 * 1024))
ls -la "$out"
awk -v r="$bytes" -v c="$carried" -v out="$out" 'BEGIN { m = 1048576; printf "travels: repository %.1f MiB + %s %.1f MiB = %.1f of 64 MiB\n", r / m, out, c / m, (r + c) / m }'
if [ $((bytes + carried)) -gt $limit ]; then
  echo "error: the repository and $out are over the device tool's 64 MiB: the call would be refused (remove what $out need not hold)" >&2
  exit 1
fi
