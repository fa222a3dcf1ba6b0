#!/usr/bin/env bash
# sshd on 127.0.0.1:2222 and a test user jqtest that root logs into with a key,
# for the SSH transport tests (remote sbatch/qsub); and a second sshd on 127.0.0.1:2223 that asks, after the key,
# a keyboard-interactive question (PAM's password prompt for jqtest), as an MFA login node asks for a code.
set -euo pipefail
JQ_COMPONENT=sshd
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ADDR=127.0.0.1
PORT=2222
TEST_USER=jqtest
SSH_DIR=$JQ_ROOT/ssh
KEY=$SSH_DIR/id_ed25519
KNOWN_HOSTS=$SSH_DIR/known_hosts
KBD_PORT=2223
PASSWORD_FILE=$SSH_DIR/jqtest_password

ensure_packages openssh-server openssh-client

# --- test user and key -----------------------------------------------------------
if ! id "$TEST_USER" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$TEST_USER"
    step "created user $TEST_USER"
fi
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
[ -d "$home" ] || install -d -o "$TEST_USER" -g "$TEST_USER" -m 755 "$home"

install -d -m 755 "$SSH_DIR"   # key itself is 0600
if [ ! -f "$KEY" ] || [ ! -f "$KEY.pub" ]; then
    rm -f "$KEY" "$KEY.pub"
    ssh-keygen -q -t ed25519 -N '' -C "jobqueue-test" -f "$KEY"
    step "generated $KEY"
fi
chmod 600 "$KEY"

install -d -o "$TEST_USER" -g "$TEST_USER" -m 700 "$home/.ssh"
auth=$home/.ssh/authorized_keys
if ! grep -qxF "$(cat "$KEY.pub")" "$auth" 2>/dev/null; then
    cat "$KEY.pub" >>"$auth"
    step "authorized the key for $TEST_USER"
fi
chown "$TEST_USER:$TEST_USER" "$auth"
chmod 600 "$auth"

# --- daemon ------------------------------------------------------------------------
sshd_listening() { timeout 2 bash -c "exec 3<>/dev/tcp/$ADDR/$PORT" 2>/dev/null; }
if ! sshd_listening; then
    step "starting sshd on $ADDR:$PORT"
    mkdir -p /run/sshd   # privilege separation dir; /run is empty after a reboot
    ssh-keygen -A >/dev/null
    /usr/sbin/sshd -p "$PORT" -o ListenAddress="$ADDR" -o PasswordAuthentication=no -E /var/log/jobqueue-sshd.log \
        || die_with_log "sshd failed to start" /var/log/jobqueue-sshd.log
    wait_for 10 sshd_listening || die_with_log "sshd not listening on $ADDR:$PORT" /var/log/jobqueue-sshd.log
fi

# --- second daemon: key, then a keyboard-interactive question -----------------------
# jqtest's password is the answer; it lives in a root-only file the test reads. Only this daemon asks for it:
# it also wants the key first, and the daemon on 2222 refuses passwords when it starts.
if [ ! -s "$PASSWORD_FILE" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 >"$PASSWORD_FILE")
    step "generated $PASSWORD_FILE"
fi
chmod 600 "$PASSWORD_FILE"
echo "$TEST_USER:$(cat "$PASSWORD_FILE")" | chpasswd
kbd_listening() { timeout 2 bash -c "exec 3<>/dev/tcp/$ADDR/$KBD_PORT" 2>/dev/null; }
if ! kbd_listening; then
    step "starting the keyboard-interactive sshd on $ADDR:$KBD_PORT"
    /usr/sbin/sshd -p "$KBD_PORT" -o ListenAddress="$ADDR" -o PidFile=/run/jobqueue-sshd-kbd.pid \
        -o UsePAM=yes -o KbdInteractiveAuthentication=yes -o PasswordAuthentication=no \
        -o AuthenticationMethods=publickey,keyboard-interactive -E /var/log/jobqueue-sshd-kbd.log \
        || die_with_log "keyboard-interactive sshd failed to start" /var/log/jobqueue-sshd-kbd.log
    wait_for 10 kbd_listening || die_with_log "sshd not listening on $ADDR:$KBD_PORT" /var/log/jobqueue-sshd-kbd.log
fi

# Host keys for [127.0.0.1]:2222 and :2223, so tests can use StrictHostKeyChecking=yes.
# Rescanned every run: cheap, and host keys may be regenerated on a new machine.
tmp=$(mktemp)
for port in "$PORT" "$KBD_PORT"; do
    ssh-keyscan -p "$port" -t ed25519,ecdsa,rsa "$ADDR" 2>/dev/null
done | sort >"$tmp"
grep -q "^\[$ADDR\]:$PORT " "$tmp" || die "ssh-keyscan found no host key on $ADDR:$PORT"
grep -q "^\[$ADDR\]:$KBD_PORT " "$tmp" || die "ssh-keyscan found no host key on $ADDR:$KBD_PORT"
if install_if_changed "$tmp" "$KNOWN_HOSTS"; then
    step "wrote $KNOWN_HOSTS"
fi

# --- check: key login works and jqtest can talk to Slurm -------------------------
ssh_test() {
    ssh -i "$KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -o BatchMode=yes -o ConnectTimeout=10 -p "$PORT" "$TEST_USER@$ADDR" "$@"
}
out=$(ssh_test sbatch --version 2>&1) || die "ssh $TEST_USER@$ADDR -p $PORT sbatch --version failed: $out"
out=$(printf '#!/bin/sh\ntrue\n' | ssh_test sbatch --test-only 2>&1) \
    || die "sbatch --test-only as $TEST_USER over ssh failed: $out"
step "ssh $TEST_USER@$ADDR:$PORT ok; $TEST_USER can submit to Slurm"

env_set SSH_HOST "$ADDR"
env_set SSH_PORT "$PORT"
env_set SSH_USER "$TEST_USER"
env_set SSH_IDENTITY_FILE "$KEY"
env_set SSH_KNOWN_HOSTS "$KNOWN_HOSTS"
env_set SSH_KBD_PORT "$KBD_PORT"
env_set SSH_KBD_PASSWORD_FILE "$PASSWORD_FILE"
