#!/usr/bin/env bash
# Debian's headless-capable Chromium for the dashboard's browser tests (Playwright drives /usr/bin/chromium;
# it never downloads a browser of its own).
set -euo pipefail
JQ_COMPONENT=chromium
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages chromium

[ -x /usr/bin/chromium ] || die "chromium is installed but /usr/bin/chromium is missing"
quiet /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking --version
env_set CHROMIUM /usr/bin/chromium
step "$(/usr/bin/chromium --version 2>/dev/null)"
