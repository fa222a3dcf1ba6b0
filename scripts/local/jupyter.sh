#!/usr/bin/env bash
# Jupyter from Debian's packages, for the C# kernel's tests: the Python client (jupyter_client), nbconvert to
# execute notebooks headless, and the notebook server for users. Tests run it with /usr/bin/python3 (another
# python3 earlier on PATH may lack these modules); the interpreter goes to /opt/jobqueue-test/env as JUPYTER_PYTHON.
set -euo pipefail
JQ_COMPONENT=jupyter
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PYTHON=/usr/bin/python3

ensure_packages python3 jupyter-client jupyter-nbconvert jupyter-notebook

quiet "$PYTHON" -c 'import jupyter_client, nbconvert, nbformat'
env_set JUPYTER_PYTHON "$PYTHON"
step "jupyter_client $("$PYTHON" -c 'import jupyter_client; print(jupyter_client.__version__)'), nbconvert $("$PYTHON" -c 'import nbconvert; print(nbconvert.__version__)')"
