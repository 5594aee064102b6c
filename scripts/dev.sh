#!/usr/bin/env bash
# The README's run command: setup (idempotent), then the whole system on embedded defaults.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
# exec all the way down (npm's `sh -c "exec bash …"`, then node itself, with tsx as a loader, not a wrapper
# process): one signal to `npm run dev` reaches scripts/dev.ts, which stops everything it started.
exec node --import tsx scripts/dev.ts "$@"
