#!/usr/bin/env bash
# Stops the one-node Slurm cluster that start.sh started in FOLDER (default /tmp/parp-slurm); the folder stays.
set -uo pipefail
dir=$(realpath -m "${1:-/tmp/parp-slurm}")
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
for daemon in slurmd slurmctld munge/munged; do
  pid=$(cat "$dir/$daemon.pid" 2> /dev/null) || continue
  if as_root kill "$pid" 2> /dev/null; then
    for _ in $(seq 1 20); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
  fi
done
echo "Slurm stopped ($dir)"
