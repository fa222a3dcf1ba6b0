#!/usr/bin/env bash
# OpenSSL's command-line client, with which a test looks at the coordinator's TLS the way an outsider would.
set -euo pipefail
JQ_COMPONENT=openssl
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages openssl
step "$(openssl version)"
