#!/usr/bin/env bash
# The README's test command: setup (idempotent, with the browser), lint, typecheck, then every vitest test.
# Ends with vitest's plain closing line `N passed, N failed, N skipped`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh --browser

start=$SECONDS
echo "== lint"
eslint --max-warnings=0 .
echo "== typecheck"
tsc -p tsconfig.json --noEmit
# Kit 3 generates web's tsconfig base on sync; svelte-check needs it on a fresh clone.
svelte-kit sync -c web/vite.config.ts >/dev/null
svelte-check --workspace web --threshold error --output machine | tail -n 1
echo "   ($((SECONDS - start))s)"

echo "== tests"
vitest run "$@"
