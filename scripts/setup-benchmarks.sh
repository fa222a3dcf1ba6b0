#!/usr/bin/env bash
# Installs what the benchmarks need: Debian's dask.distributed (python3-distributed)
# and psutil, used by benchmarks/dask/bench_dask.py with /usr/bin/python3.
# Recommended packages are installed too (apt's default, as a user would get them):
# python3-distributed recommends pandas, python3-dask numpy; with them a dask worker
# imports numpy/pandas at start, which roughly doubles its idle RSS (~47 -> ~90 MB),
# and the reference figures were taken that way.
# Run as root on Debian 12; idempotent, and quick when everything is installed.
set -euo pipefail
start=$SECONDS

[ "$(id -u)" -eq 0 ] || { echo "setup-benchmarks: must run as root" >&2; exit 1; }
exec </dev/null   # never wait for input

packages=(python3-distributed python3-psutil python3-numpy python3-pandas)
missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "[setup-benchmarks] installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq -o APT::Install-Recommends=true "${missing[@]}"
else
    echo "[setup-benchmarks] already installed: ${packages[*]}"
fi

/usr/bin/python3 -c 'import distributed, psutil, numpy, pandas' \
    || { echo "setup-benchmarks: /usr/bin/python3 cannot import distributed/psutil/numpy/pandas" >&2; exit 1; }
echo "[setup-benchmarks] done in $((SECONDS - start)) s"
