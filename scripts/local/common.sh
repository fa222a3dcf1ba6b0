# shellcheck shell=bash disable=SC2034
# Helpers shared by scripts/local/*.sh. Sourced, not executed.
# Callers set JQ_COMPONENT (prefix of every printed line) before sourcing.

JQ_ROOT=/opt/jobqueue-test
JQ_ENV_FILE=$JQ_ROOT/env
HOST=$(hostname)
export DEBIAN_FRONTEND=noninteractive
# Daemons started from here must not inherit the caller's cwd/umask quirks.
cd /
umask 022

step() { printf '[%s] %s\n' "${JQ_COMPONENT:-setup}" "$*"; }

die() {
    printf '[%s] ERROR: %s\n' "${JQ_COMPONENT:-setup}" "$*" >&2
    exit 1
}

# die_with_log MESSAGE LOGFILE...: fail and show the end of the given logs.
die_with_log() {
    local msg=$1 log
    shift
    for log in "$@"; do
        [ -f "$log" ] || continue
        printf -- '--- last lines of %s ---\n' "$log" >&2
        tail -n 25 "$log" >&2
    done
    die "$msg"
}

[ "$(id -u)" -eq 0 ] || die "must run as root"

# wait_for SECONDS CMD...: poll CMD (output discarded) until it succeeds;
# returns 1 when the deadline passes.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# is_running NAME: a live process is called exactly NAME. Zombies do not
# count: where PID 1 does not reap orphans, killed daemons stay <defunct>.
# shellcheck disable=SC2009
is_running() { ps -C "$1" -o stat= | grep -qv '^Z'; }

# wait_gone SECONDS NAME: wait until no live process is called exactly NAME.
wait_gone() {
    local deadline=$((SECONDS + $1))
    while is_running "$2"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# stop_daemon NAME PIDFILE: stop the daemon whose pid is in PIDFILE (if that
# process really is NAME) and wait until no live NAME process is left.
stop_daemon() {
    local pid
    pid=$(cat "$2" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then
        kill "$pid" 2>/dev/null || true
    fi
    wait_gone 30 "$1" || die "$1 did not stop (pid file $2)"
}

# quiet CMD...: run CMD silently; on failure show its output and stop.
quiet() {
    local out
    out=$("$@" 2>&1) || die "failed: $*"$'\n'"$out"
}

missing_packages() {
    local p
    for p in "$@"; do
        [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || printf '%s ' "$p"
    done
}

apt_update() {
    step "apt-get update"
    apt-get update -q >/tmp/jobqueue-apt.log 2>&1 || die_with_log "apt-get update failed" /tmp/jobqueue-apt.log
}

# ensure_packages PKG...: install whatever is missing; no-op (fast) otherwise.
ensure_packages() {
    local missing
    missing=$(missing_packages "$@")
    [ -n "$missing" ] || return 0
    # A fresh machine has no package lists at all.
    if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print -quit 2>/dev/null)" ]; then
        apt_update
    fi
    step "installing ${missing% }"
    # Keep package maintainer scripts from starting daemons (init scripts would
    # start them with the stock config); these scripts start them explicitly.
    local own_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    local rc=0
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/tmp/jobqueue-apt.log 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        # Most likely stale package lists (404 on download): refresh and retry once.
        apt_update
        rc=0
        # shellcheck disable=SC2086
        apt-get install -y -q --no-install-recommends $missing >/tmp/jobqueue-apt.log 2>&1 || rc=$?
    fi
    [ -z "$own_policy" ] || rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || die_with_log "apt-get install $missing failed" /tmp/jobqueue-apt.log
}

# install_if_changed SRC DEST [MODE]: move SRC to DEST unless identical.
# Returns 0 when DEST changed, 1 when it was already up to date.
install_if_changed() {
    if [ -f "$2" ] && cmp -s "$1" "$2"; then
        rm -f "$1"
        return 1
    fi
    install -m "${3:-644}" "$1" "$2"
    rm -f "$1"
}

# env_set KEY VALUE: set one KEY=VALUE line in $JQ_ENV_FILE (keeps other keys).
env_set() {
    local tmp
    mkdir -p "$JQ_ROOT"
    touch "$JQ_ENV_FILE"
    tmp=$(mktemp "$JQ_ENV_FILE.XXXXXX")
    awk -v k="$1" -v line="$1=$(printf '%q' "$2")" '
        BEGIN { done = 0 }
        index($0, k "=") == 1 { if (!done) print line; done = 1; next }
        { print }
        END { if (!done) print line }' "$JQ_ENV_FILE" >"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$JQ_ENV_FILE"
}
