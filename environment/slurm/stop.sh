#!/usr/bin/env bash
# Stops the one-node Slurm cluster that start.sh started in FOLDER (default /tmp/parp-slurm); the folder stays.
set -uo pipefail
dir=$(realpath -m "${1:-/tmp/parp-slurm}")
for daemon in slurmd slurmctld munge/munged; do
  pid_file="$dir/$daemon.pid"
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2> /dev/null; then
    kill "$(cat "$pid_file")"
    for _ in $(seq 1 20); do kill -0 "$(cat "$pid_file")" 2> /dev/null || break; sleep 0.5; done
  fi
done
echo "Slurm stopped ($dir)"
