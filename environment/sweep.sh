#!/usr/bin/env bash
# The sweep tool (tools/Sweep/README.md), built first: the runs of the notebooks as one plan, trained by workers that
# share a cache, locally (`run KEY`) or as Slurm job arrays (`submit`).
#   bash environment/sweep.sh plan --scale paper      then   bash environment/sweep.sh submit --gres gpu:1 ...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log=$(mktemp)
dotnet build "$root/tools/Sweep" -c Release -v quiet -nologo > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
rm -f "$log"
exec "$root/tools/Sweep/bin/Release/net10.0/linux-x64/parp-sweep" "$@"
