#!/usr/bin/env bash
# (Son of) Grid Engine 8.1.9 on this host: qmaster + execd, queue all.q, PE smp.
set -euo pipefail
JQ_COMPONENT=gridengine
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
COMMON=$SGE_ROOT/$SGE_CELL/common
QMASTER_LOG=/var/spool/gridengine/qmaster/messages
# The execd spool directory is named after what the host's address resolves
# to (here often "localhost"), so it is looked up rather than assumed.
execd_spool() {
    find /var/spool/gridengine/execd -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p/\n' 2>/dev/null \
        | sort -rn | head -n 1 | cut -d' ' -f2-
}
QUEUE=all.q
PE=smp
# Twice the CPUs, at least 8: tests run many small, mostly idle jobs at once
# (the Slurm partition oversubscribes its cores the same way).
SLOTS=$(($(nproc) * 2))
[ "$SLOTS" -ge 8 ] || SLOTS=8

# --- packages --------------------------------------------------------------------
if [ -n "$(missing_packages gridengine-master gridengine-exec gridengine-client)" ]; then
    # Without these answers the package configuration stops to ask questions.
    for pkg in gridengine-common gridengine-client gridengine-master gridengine-exec; do
        printf '%s shared/gridenginemaster string %s\n' "$pkg" "$HOST"
        printf '%s shared/gridenginecell string default\n' "$pkg"
        printf '%s shared/gridengineconfig boolean true\n' "$pkg"
    done | debconf-set-selections
    ensure_packages gridengine-master gridengine-exec gridengine-client
fi
[ -f "$COMMON/bootstrap" ] || die "$COMMON/bootstrap missing: cluster was not initialised by the package"

restart_needed=
stop_daemons() {
    stop_daemon sge_execd "$(execd_spool)execd.pid"
    stop_daemon sge_qmaster /var/spool/gridengine/qmaster/qmaster.pid
}

# The master name was preseeded at install time; follow a renamed host.
if [ "$(cat "$COMMON/act_qmaster")" != "$HOST" ]; then
    echo "$HOST" >"$COMMON/act_qmaster"
    restart_needed=1
fi

# 127.0.0.1 resolves to "localhost" first in /etc/hosts, and qmaster rejects
# clients whose address resolves to a name other than their own host name
# ("client IP resolved to host name localhost"). host_aliases makes them one host.
tmp=$(mktemp)
printf '%s localhost\n' "$HOST" >"$tmp"
if install_if_changed "$tmp" "$COMMON/host_aliases"; then
    step "wrote $COMMON/host_aliases"
    restart_needed=1
fi
if [ -n "$restart_needed" ] && { is_running sge_qmaster || is_running sge_execd; }; then
    step "restarting daemons for the new host settings"
    stop_daemons
fi

# --- qmaster ---------------------------------------------------------------------
if ! is_running sge_qmaster; then
    step "starting sge_qmaster"
    /usr/sbin/sge_qmaster || die_with_log "sge_qmaster failed to start" "$QMASTER_LOG"
fi
wait_for 30 qconf -sh || die_with_log "sge_qmaster does not answer qconf" "$QMASTER_LOG"
step "qmaster up"

cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT

# Root (uid 0) may submit: the default minimum uid/gid is 1000. Job shells are not login shells
# (login_shells NONE), so a job does not run the submitting user's profile: on a machine whose
# ~/.bashrc runs e.g. "pyenv init", every job would otherwise wait on that first.
# (Each qconf call costs ~0.2 s, so each object is read once.)
global_conf=$(qconf -sconf global)
if ! grep -Eq '^min_uid +0$' <<<"$global_conf" || ! grep -Eq '^min_gid +0$' <<<"$global_conf" \
    || ! grep -Eq '^login_shells +NONE$' <<<"$global_conf"; then
    # qconf -Mconf takes the configuration name from the file name.
    sed -E -e 's/^(min_uid|min_gid)( +).*/\1\20/' -e 's/^(login_shells)( +).*/\1\2NONE/' <<<"$global_conf" >"$cfg/global"
    quiet qconf -Mconf "$cfg/global"
    step "set min_uid/min_gid 0, login_shells NONE"
fi

# Schedule every second instead of every 15 s so test jobs start at once.
if ! qconf -ssconf | grep -Eq '^schedule_interval +0:0:1$'; then
    qconf -ssconf | sed -E 's/^(schedule_interval +).*/\10:0:1/' >"$cfg/sched"
    quiet qconf -Msconf "$cfg/sched"
    step "set schedule_interval 0:0:1"
fi

if ! qconf -ss 2>/dev/null | grep -qx "$HOST"; then
    quiet qconf -as "$HOST"
    step "added submit host $HOST"
fi

if ! hgrp=$(qconf -shgrp @allhosts 2>/dev/null); then
    printf 'group_name @allhosts\nhostlist %s\n' "$HOST" >"$cfg/allhosts"
    quiet qconf -Ahgrp "$cfg/allhosts"
    step "added host group @allhosts"
elif ! grep -Eq "^hostlist .*\\b$HOST\\b" <<<"$hgrp"; then
    quiet qconf -aattr hostgroup hostlist "$HOST" @allhosts
    step "added $HOST to @allhosts"
fi

cat >"$cfg/pe" <<PE
pe_name            $PE
slots              999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
PE
# Compare ignoring column widths: qconf prints its own alignment.
normalize() { awk '{ $1 = $1; print }'; }
if ! pe_conf=$(qconf -sp "$PE" 2>/dev/null); then
    quiet qconf -Ap "$cfg/pe"
    step "added parallel environment $PE"
elif [ "$(normalize <<<"$pe_conf")" != "$(normalize <"$cfg/pe")" ]; then
    quiet qconf -Mp "$cfg/pe"
    step "updated parallel environment $PE"
fi

# Queue: attributes we care about; everything else from the built-in template.
# load_thresholds NONE: busy test machines must not put the queue in alarm state.
declare -A QATTR=(
    [hostlist]=@allhosts
    [slots]=$SLOTS
    [shell]=/bin/bash
    [pe_list]=$PE
    [load_thresholds]=NONE
)
if ! queue_conf=$(qconf -sq "$QUEUE" 2>/dev/null); then
    qconf -sq >"$cfg/queue.tmpl"   # no argument: the default template
    cp "$cfg/queue.tmpl" "$cfg/queue"
    sed -i -E "s/^qname .*/qname $QUEUE/" "$cfg/queue"
    for attr in "${!QATTR[@]}"; do
        sed -i -E "s|^$attr .*|$attr ${QATTR[$attr]}|" "$cfg/queue"
    done
    quiet qconf -Aq "$cfg/queue"
    step "added queue $QUEUE (slots $SLOTS)"
else
    for attr in "${!QATTR[@]}"; do
        current=$(awk -v a="$attr" '$1 == a { $1 = ""; sub(/^ /, ""); print; exit }' <<<"$queue_conf")
        if [ "$current" != "${QATTR[$attr]}" ]; then
            quiet qconf -mattr queue "$attr" "${QATTR[$attr]}" "$QUEUE"
            step "set $QUEUE $attr ${QATTR[$attr]}"
        fi
    done
fi

# h_vmem must be requestable (-l h_vmem=2G). It is in the stock complex list;
# enforce it in case that ever changes.
if ! qconf -sc | awk '$1 == "h_vmem" && $5 == "YES" { ok = 1 } END { exit !ok }'; then
    qconf -sc | awk '$1 == "h_vmem" { $5 = "YES" } { print }' >"$cfg/complex"
    quiet qconf -Mc "$cfg/complex"
    step "made h_vmem requestable"
fi

# --- execd -----------------------------------------------------------------------
if ! is_running sge_execd; then
    step "starting sge_execd"
    # On an admin host the execd registers itself as execution host.
    /usr/sbin/sge_execd || die_with_log "sge_execd failed to start" "$(execd_spool)messages"
fi
host_has_load() {
    qhost -h "$HOST" | awk -v h="$HOST" '$1 == h && $7 != "-" { ok = 1 } END { exit !ok }'
}
wait_for 60 host_has_load || die_with_log "execd on $HOST reports no load (qhost)" "$QMASTER_LOG" "$(execd_spool)messages"
# qstat -f must list the queue instance without a state column: an instance
# in error/disabled state takes no jobs, so clear such states.
queue_usable() { qstat -f -q "$QUEUE" | awk -v q="$QUEUE@$HOST" '$1 == q && NF == 5 { ok = 1 } END { exit !ok }'; }
if ! wait_for 30 queue_usable; then
    qmod -c "$QUEUE@$HOST" >/dev/null 2>&1 || true
    qmod -e "$QUEUE@$HOST" >/dev/null 2>&1 || true
    wait_for 15 queue_usable || { qstat -f >&2; die_with_log "$QUEUE@$HOST missing from qstat -f or not usable" "$QMASTER_LOG" "$(execd_spool)messages"; }
fi
step "$QUEUE@$HOST ready ($SLOTS slots)"

env_set SGE_ROOT "$SGE_ROOT"
env_set SGE_CELL "$SGE_CELL"
env_set SGE_QUEUE "$QUEUE"
env_set SGE_PE "$PE"
env_set SGE_SLOTS "$SLOTS"
