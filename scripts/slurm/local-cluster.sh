#!/usr/bin/env bash
# A one-machine Slurm for tests and trials: munged (if none runs), one slurmctld and one slurmd on localhost,
# all state, logs and the configuration under DIR. As root (Debian slurm-wlm + munge: scripts/install-deps.sh).
#   scripts/slurm/local-cluster.sh start DIR    prints "export SLURM_CONF=DIR/slurm.conf" for the client commands
#   scripts/slurm/local-cluster.sh stop DIR
# Exit codes: 0 started and the node is idle; 77 Slurm cannot start here (missing programs, not root, daemons
# that die); 1 usage.
set -uo pipefail
action=${1:-} dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || { sed -n '2,7p' "$0"; exit 1; }
dir=$(realpath -m "$dir")
cannot() { echo "cannot start Slurm: $*" >&2; exit 77; }

stop() {
  for d in slurmd slurmctld; do
    [ -f "$dir/$d.pid" ] && kill "$(cat "$dir/$d.pid")" 2>/dev/null
  done
  [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null
  rm -f "$dir"/*.pid
  return 0
}
if [ "$action" = stop ]; then stop; exit 0; fi
[ "$action" = start ] || { echo "unknown action $action" >&2; exit 1; }

for p in slurmctld slurmd sbatch squeue scontrol munged; do
  command -v "$p" >/dev/null || cannot "$p not found (install slurm-wlm and munge: scripts/install-deps.sh)"
done
[ "$(id -u)" -eq 0 ] || cannot "the daemons are started as root here, and this is uid $(id -u)"
mkdir -p "$dir/state" "$dir/spool"

# munge: the Debian package's key and socket when a munged already runs, else our own daemon on the default socket.
if ! munge -n </dev/null >/dev/null 2>&1; then
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null && chmod 400 /etc/munge/munge.key; }
  munged --force --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" || cannot "munged did not start ($dir/munged.log)"
  sleep 0.5
  munge -n </dev/null >/dev/null 2>&1 || cannot "munge does not answer ($dir/munged.log)"
fi

# Ports away from the defaults (6817/6818), so a real Slurm on the machine is left alone.
port=${MPMRI_SLURM_PORT:-16817}
mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
cat >"$dir/slurm.conf" <<CONF
ClusterName=mpmri-local
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF" -c || cannot "slurmctld did not start ($dir/slurmctld.log)"
slurmd -f "$SLURM_CONF" -N localhost || { stop; cannot "slurmd did not start ($dir/slurmd.log)"; }
for _ in $(seq 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1)
  case $state in idle*) echo "export SLURM_CONF=$SLURM_CONF"; exit 0 ;; esac
  sleep 0.5
done
echo "--- slurmctld.log" >&2; tail -5 "$dir/slurmctld.log" >&2
echo "--- slurmd.log" >&2; tail -5 "$dir/slurmd.log" >&2
stop
cannot "the node did not become idle within 30 s (state '${state:-none}')"
