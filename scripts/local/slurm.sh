#!/usr/bin/env bash
# Slurm 22.05 + munge on this host: one node (this host), partition "debug".
set -euo pipefail
JQ_COMPONENT=slurm
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CONF=/etc/slurm/slurm.conf
CTLD_LOG=/var/log/slurm/slurmctld.log
SLURMD_LOG=/var/log/slurm/slurmd.log

ensure_packages slurm-wlm munge

# --- munge -------------------------------------------------------------------
munge_ok() { munge -n | unmunge; }
if ! is_running munged; then
    step "starting munged"
    install -d -o munge -g munge -m 755 /run/munge   # /run is empty after a reboot
    runuser -u munge -- /usr/sbin/munged --force \
        || die_with_log "munged failed to start" /var/log/munge/munged.log
fi
wait_for 20 munge_ok || die_with_log "munge does not work" /var/log/munge/munged.log
step "munge ok"

# --- slurm.conf ----------------------------------------------------------------
hw=$(slurmd -C | head -n 1)
CPUS=$(grep -o 'CPUs=[0-9]*' <<<"$hw" | cut -d= -f2)
HW_MEM=$(grep -o 'RealMemory=[0-9]*' <<<"$hw" | cut -d= -f2)
if [ -z "$CPUS" ] || [ -z "$HW_MEM" ]; then
    die "cannot parse 'slurmd -C': $hw"
fi
# slurmd drains the node if RealMemory exceeds what it measures, and the
# measurement varies a little between boots: configure 95%, in 100 MB steps.
MEM=$((HW_MEM * 95 / 100 / 100 * 100))
# Jobs without --mem would otherwise be given the whole node's memory, and
# memory is never oversubscribed, so they would run one at a time.
DEF_MEM=512

install -d -m 755 /etc/slurm /var/log/slurm /var/spool/slurmctld /var/spool/slurmd
tmp=$(mktemp)
cat >"$tmp" <<CONF
# Written by scripts/local/slurm.sh; changes are overwritten.
ClusterName=local
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=$DEF_MEM
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
ReturnToService=2
KillWait=10
MinJobAge=300
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF
if install_if_changed "$tmp" "$CONF"; then
    step "wrote $CONF (CPUs=$CPUS RealMemory=$MEM)"
    # Node definitions only take effect on a daemon restart.
    if is_running slurmctld || is_running slurmd; then
        step "restarting slurmctld/slurmd for the new config"
        stop_daemon slurmd /run/slurmd.pid
        stop_daemon slurmctld /run/slurmctld.pid
    fi
else
    step "$CONF up to date (CPUs=$CPUS RealMemory=$MEM)"
fi

# --- daemons -------------------------------------------------------------------
ctld_ok() { scontrol ping | grep -q 'is UP'; }
if ! is_running slurmctld; then
    step "starting slurmctld"
    slurmctld || die_with_log "slurmctld failed to start" "$CTLD_LOG"
fi
wait_for 30 ctld_ok || die_with_log "slurmctld does not answer 'scontrol ping'" "$CTLD_LOG"

if ! is_running slurmd; then
    step "starting slurmd"
    slurmd || die_with_log "slurmd failed to start" "$SLURMD_LOG"
fi

# Wait for the node to be usable. A node left down/drained by an earlier run
# (e.g. killed daemons, changed memory) is resumed.
deadline=$((SECONDS + 60))
last_resume=0
while :; do
    state=$(sinfo -h -N -n "$HOST" -o %T 2>/dev/null | head -n 1)
    case "$state" in
        idle | mixed | allocated | completing) break ;;
        down | drain* | fail*)
            if [ $((SECONDS - last_resume)) -ge 3 ]; then
                scontrol update nodename="$HOST" state=resume 2>/dev/null || true
                last_resume=$SECONDS
            fi ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        scontrol show node "$HOST" >&2 || true
        die_with_log "node $HOST not idle within 60 s (state: ${state:-none})" "$CTLD_LOG" "$SLURMD_LOG"
    fi
    sleep 0.5
done
step "node $HOST is $state"

env_set SLURM_PARTITION debug
env_set SLURM_CPUS "$CPUS"
env_set SLURM_MEMORY_MB "$MEM"
