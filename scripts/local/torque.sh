#!/usr/bin/env bash
# PBS/Torque-style commands (qsub/qstat/qdel...) that run on Slurm, from
# Debian's slurm-wlm-torque, in a private directory. Run after slurm.sh.
set -euo pipefail
JQ_COMPONENT=torque
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DEST=$JQ_ROOT/torque
BIN=$DEST/usr/bin

command -v sbatch >/dev/null || die "sbatch not found: run scripts/local/slurm.sh first"

# slurm-wlm-torque Conflicts with gridengine-client (both ship /usr/bin/qsub),
# so it is never installed: only its dependencies are, and the package itself
# is unpacked into $DEST. Its Depends: libslurm-perl libslurmdb-perl perl
# libswitch-perl slurm-client (same Slurm version).
ensure_packages libslurm-perl libslurmdb-perl libswitch-perl slurm-client

# Unpack the wrapper version matching the installed Slurm client.
version=$(dpkg-query -W -f='${Version}' slurm-client)
if [ ! -x "$BIN/qsub" ] || [ "$(cat "$DEST/.version" 2>/dev/null)" != "$version" ]; then
    step "unpacking slurm-wlm-torque $version into $DEST"
    dl=$(mktemp -d)
    chown _apt "$dl" 2>/dev/null || true   # apt downloads as _apt when it can
    if ! (cd "$dl" && apt-get download -q "slurm-wlm-torque=$version" >/dev/null 2>&1); then
        apt_update
        (cd "$dl" && apt-get download -q "slurm-wlm-torque=$version" >/dev/null) \
            || die "apt-get download slurm-wlm-torque=$version failed"
    fi
    rm -rf "$DEST.new"
    dpkg-deb -x "$dl"/slurm-wlm-torque_*.deb "$DEST.new"
    echo "$version" >"$DEST.new/.version"
    rm -rf "$DEST" "$dl"
    mv "$DEST.new" "$DEST"
fi

# The wrappers run sbatch/squeue/... from their own directory (FindBin).
for cmd in sbatch salloc srun scancel squeue scontrol sinfo; do
    [ "$(readlink "$BIN/$cmd" 2>/dev/null)" = "/usr/bin/$cmd" ] || ln -sfn "/usr/bin/$cmd" "$BIN/$cmd"
done

# Smoke test without running anything: submit a held job, see it, delete it.
# (The wrapper needs a script file; it does not read a script from stdin.)
export PATH=$BIN:$PATH
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
printf '#!/bin/sh\ntrue\n' >"$check/jq-setup-check.sh"
id=$(cd "$check" && qsub -h jq-setup-check.sh 2>&1) || die "torque qsub failed: $id"
[[ "$id" =~ ^[0-9]+$ ]] || die "torque qsub printed '$id', expected a bare job id"
qstat "$id" >/dev/null 2>&1 || die "torque qstat $id failed"
qdel "$id" >/dev/null 2>&1 || die "torque qdel $id failed"
step "qsub/qstat/qdel work ($BIN)"

env_set PBS_COMMAND_DIR "$BIN"
