#!/usr/bin/env bash
# The main job: installs the system packages the notebooks need (if missing), builds, and runs every
# notebook in notebooks/ at the default scale, writing artifacts/report.html and artifacts/notebooks/.
# Arguments go to the notebook host (see `bash environment/run.sh --help`), e.g. --scale smoke.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${PARP_SKIP_SYSTEM_PACKAGES:-}" != "1" ]; then bash "$root/environment/system-packages.sh"; fi
exec dotnet run --project "$root/PARP.Notebooks.csproj" -c Release -- "$@"
