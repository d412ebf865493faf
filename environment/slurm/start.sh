#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying sweeps and for CI (tools/Sweep): munged, slurmctld and slurmd
# with a minimal configuration, every file under one folder (default /tmp/parp-slurm), nothing in /etc changed.
# Needs Debian's slurm-wlm and munge (`bash environment/system-packages.sh --slurm`) and root or sudo: the daemons run
# as root (slurmd starts each job as the user who submitted it).
#   bash environment/slurm/start.sh [FOLDER]    then: export SLURM_CONF=FOLDER/slurm.conf (printed at the end)
#   bash environment/slurm/stop.sh [FOLDER]
set -euo pipefail
dir=$(realpath -m "${1:-/tmp/parp-slurm}")
for program in munged slurmctld slurmd sbatch; do
  command -v "$program" > /dev/null || { echo "error: $program is missing (apt-get install slurm-wlm munge)" >&2; exit 2; }
done
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if [ -f "$dir/slurmctld.pid" ] && [ -d "/proc/$(cat "$dir/slurmctld.pid")" ]; then
  echo "already running in $dir"; echo "export SLURM_CONF=$dir/slurm.conf"; exit 0
fi
mkdir -p "$dir"
as_root mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
as_root chmod 755 "$dir/munge"   # users reach the socket; only root reads the key

# munge: a key of our own and a socket in the folder.
as_root test -f "$dir/munge/munge.key" || as_root sh -c "head -c 1024 /dev/urandom > '$dir/munge/munge.key' && chmod 400 '$dir/munge/munge.key'"
as_root munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" --force

host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))   # MB, a tenth left to the system
as_root tee "$dir/slurm.conf" > /dev/null <<CONF
ClusterName=parp
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MaxArraySize=10001
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
as_root slurmctld -f "$SLURM_CONF"
as_root slurmd -f "$SLURM_CONF"
for _ in $(seq 1 30); do
  if sinfo -h -o %T 2> /dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo "Slurm is up in $dir: node $host, $cpus CPUs, ${memory} MB"
    echo "export SLURM_CONF=$dir/slurm.conf"
    exit 0
  fi
  sleep 1
done
echo "error: the node did not come up; logs: $dir/slurmctld.log, $dir/slurmd.log" >&2
as_root tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
exit 1
