#!/usr/bin/env bash
# CI's check of sweeps on a real Slurm (tools/Sweep): starts a one-node cluster, plans the smoke sweep of every
# experiment notebook, submits it as job arrays, waits, and checks that every run finished once; then runs those
# notebooks at smoke on the sweep's cache and checks that they trained nothing and that each results.csv equals the one
# of a plain local run (every column but the training seconds).
#   bash environment/slurm/check-sweep.sh LOCAL_ARTIFACTS [FOLDER]
# LOCAL_ARTIFACTS: the artifacts of `bash environment/run.sh --scale smoke` (experiments/*-smoke/results.csv).
# FOLDER (default /tmp/parp-sweep-check) is emptied first and holds the cluster, the cache, the logs and the plan.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
local=$(realpath "${1:?usage: check-sweep.sh LOCAL_ARTIFACTS [FOLDER]}")
work=$(realpath -m "${2:-/tmp/parp-sweep-check}")
fail() { echo "sweep check: FAILED: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
bash "$root/environment/slurm/start.sh" "$work/slurm"
export SLURM_CONF="$work/slurm/slurm.conf"
trap 'bash "$root/environment/slurm/stop.sh" "$work/slurm" > /dev/null' EXIT

dotnet build "$root/tools/Sweep" -c Release -v quiet -nologo > "$work/build.log" || { cat "$work/build.log"; fail "parp-sweep did not build"; }
sweep="$root/tools/Sweep/bin/Release/net10.0/linux-x64/parp-sweep"
notebooks=$(grep -l 'var dryRun' "$root"/notebooks/*.ipynb)
clock=$SECONDS
"$sweep" plan --scale smoke --cache "$work/cache" --out "$work/plan.json" $notebooks > "$work/plan.log" || { cat "$work/plan.log"; fail "plan"; }
grep 'runs,' "$work/plan.log"
"$sweep" submit --plan "$work/plan.json" --cache "$work/cache" --cpus 1 --mem 1G --time 00:30:00 | tee "$work/submit.log"
jobs=$(grep -oE '^level [0-9]+: job [0-9]+' "$work/submit.log" | awk '{print $4}' | paste -sd,)
[ -n "$jobs" ] || fail "nothing was submitted"
for _ in $(seq 1 360); do
  [ -z "$(squeue -h -j "$jobs" 2> /dev/null)" ] && break
  sleep 5
done
[ -z "$(squeue -h -j "$jobs" 2> /dev/null)" ] || fail "jobs $jobs still queued after 30 minutes"
"$sweep" status --plan "$work/plan.json" --cache "$work/cache" > "$work/status.txt" || { cat "$work/status.txt"; fail "a run failed"; }
summary=$(tail -1 "$work/status.txt")
echo "sweep: $summary, $((SECONDS - clock)) s from plan to the last run"
[[ "$summary" =~ ^[0-9]+\ finished,\ 0\ running,\ 0\ failed,\ 0\ waiting$ ]] || { cat "$work/status.txt"; fail "not every run finished"; }
# Once each: one attempt in the run's log, and it trained the run there (a run made elsewhere would be read back).
for key in $(grep -oE '"key": "[0-9a-f]{16}"' "$work/plan.json" | cut -d'"' -f4); do
  log="$work/logs/$key.log"
  [ "$(grep -c '^== ' "$log")" = 1 ] || fail "run $key was attempted more than once ($log)"
  # (a joint run prints one result line per language scored)
  grep -qE "^run $key .*trained here" "$log" && ! grep -qE "^run $key .*read back" "$log" || fail "run $key did not train in its own task ($log)"
done

# The notebooks on the sweep's cache: every run read back, nothing trained.
PARP_SKIP_SYSTEM_PACKAGES=1 bash "$root/environment/run.sh" --scale smoke --no-report --artifacts "$work/artifacts" --cache "$work/cache" $notebooks > "$work/notebooks.log" 2>&1 \
  || { tail -20 "$work/notebooks.log"; fail "the notebooks failed on the sweep's cache"; }
if grep -hoE '[0-9]+ runs: [1-9][0-9]* trained here' "$work"/artifacts/notebooks/*.ipynb; then fail "a notebook trained a run the sweep had made"; fi
grep -qE '[0-9]+ runs: 0 trained here' "$work"/artifacts/notebooks/*.ipynb || fail "the notebooks report no runs read back"
# Their results equal a plain local run's, but for the seconds each run took.
without_seconds() { awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "train_seconds") c = i } { if (c) $c = ""; print }' OFS=, "$1"; }
compared=0
for file in "$work"/artifacts/experiments/*/results.csv; do
  name=$(basename "$(dirname "$file")")
  [ -f "$local/experiments/$name/results.csv" ] || fail "the local run has no $name/results.csv"
  diff <(without_seconds "$file") <(without_seconds "$local/experiments/$name/results.csv") > /dev/null \
    || fail "$name/results.csv differs from the local run's ($file)"
  compared=$((compared + 1))
done
[ "$compared" -gt 0 ] || fail "no results.csv to compare"
echo "sweep check: passed: $summary, each run once; $(echo "$notebooks" | wc -w) notebooks trained nothing; $compared results.csv equal to the local run's"
