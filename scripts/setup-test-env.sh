#!/usr/bin/env bash
# Installs the test prerequisites: the pinned Python reference environment (numpy, scipy, neo, hickle, h5py)
# into the project-local venv .venv-ref, from PyPI. Idempotent: a venv whose requirements did not change is
# kept. Python comes from the machine (python3 >= 3.10).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-ref
REQ=test/python/requirements.txt
PY=${PYTHON:-python3}

stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup-test-env: $VENV is up to date"
  exit 0
fi

echo "setup-test-env: creating $VENV from $REQ"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
"$VENV/bin/python" -c "import numpy, scipy, neo, hickle, h5py; print('setup-test-env: numpy', numpy.__version__, 'scipy', scipy.__version__, 'neo', neo.__version__, 'hickle', hickle.__version__)"
echo "$want" > "$stamp"
