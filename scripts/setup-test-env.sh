#!/usr/bin/env bash
# Installs, configures and starts the local batch systems the integration tests
# run against: Slurm (+ munge), Grid Engine, Torque-style wrappers on Slurm,
# an sshd on 127.0.0.1:2222, PostgreSQL on 127.0.0.1:5432, Chromium for the
# dashboard's browser tests and Jupyter for the C# kernel's tests. Run as root
# on Debian 12; idempotent, and quick when everything is already up.
# Results: /opt/jobqueue-test/env.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
start=$SECONDS

[ "$(id -u)" -eq 0 ] || { echo "setup-test-env: must run as root" >&2; exit 1; }
exec </dev/null   # never wait for input

# Order matters: the torque wrappers and the ssh check need a working Slurm.
for part in slurm gridengine torque sshd postgres chromium jupyter; do
    bash "$here/local/$part.sh"
done

echo "[setup] done in $((SECONDS - start)) s; environment for tests: /opt/jobqueue-test/env"
