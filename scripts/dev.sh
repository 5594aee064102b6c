#!/usr/bin/env bash
# The README's run command: setup (idempotent), then the whole system on embedded defaults.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
exec tsx scripts/dev.ts "$@"
