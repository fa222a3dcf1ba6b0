#!/usr/bin/env bash
# The README's test command: installs and starts what the tests need (local Slurm with munge, Grid Engine,
# Slurm's PBS-style commands, sshd and PostgreSQL on 127.0.0.1, Chromium for the dashboard, Jupyter for the
# kernel), runs every test, and ends with "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
    bash scripts/setup-test-env.sh
elif command -v sudo >/dev/null; then
    sudo bash scripts/setup-test-env.sh
else
    echo "scripts/setup-test-env.sh installs Debian packages and starts daemons: run this as root or install sudo." >&2
    exit 1
fi

results=artifacts/test-results
rm -rf "$results"
status=0
dotnet test JobQueue.sln --logger "trx;LogFilePrefix=tests" --results-directory "$results" || status=$?

# One summary line over every test project, read from the TRX reports (skipped tests count as not executed).
shopt -s nullglob
reports=("$results"/*.trx)
if [ ${#reports[@]} -eq 0 ]; then
    echo "No test report was written: the build or the test host failed (exit code $status)." >&2
    exit "$((status == 0 ? 1 : status))"
fi
total=0 passed=0 failed=0
for report in "${reports[@]}"; do
    counters=$(grep -o '<Counters [^>]*>' "$report")
    count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    total=$((total + $(count total)))
    passed=$((passed + $(count passed)))
    failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
done
echo "$passed passed, $failed failed, $((total - passed - failed)) skipped"
exit "$status"
