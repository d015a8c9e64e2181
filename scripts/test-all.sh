#!/usr/bin/env bash
# README's second Quick-start command (`npm run test:all`) and what CI runs (.ci/run):
# installs the test prerequisites and runs every test.
#   1. npm ci (builds the addon with cmake-js, compiles TS)   — skipped if node_modules is current
#   2. the pinned Python reference venv (.venv-ref) and the MountainSort sorter venv (.venv-sort), from PyPI
#   3. vitest (all test/*.test.ts), with a plain "N passed, N failed" closing line
#   4. native reader tests and fuzzing under AddressSanitizer + UBSan
#   5. the node-gyp build of binding.gyp, loaded and smoke-tested
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build --silent
fi
bash scripts/setup-test-env.sh
# The sorter environment the sorting tests run MountainSort in (idempotent; rebuilt when its pins change).
node dist/cli/main.js envs create-sorter --dest .venv-sort

mkdir -p .tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json || status=$?
node -e '
  const r = require("./.tmp/vitest.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || status=1

bash scripts/native-tests.sh || status=$?
bash scripts/check-node-gyp.sh || status=$?

if [ "$status" -ne 0 ]; then echo "test-all: FAILED (exit $status)"; fi
exit "$status"
