#!/usr/bin/env bash
# Idempotent: builds Stripe's own stripe-mock (stateless, validates requests against Stripe's OpenAPI spec)
# from its Go module into .tools/bin/stripe-mock, only when it is missing. The Go module proxy is the
# only place this machine can fetch it from; the contract test (fakes/stripe/contract.test.ts) uses it.
# Prints one line.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Pinned: a newer tag may ship a newer OpenAPI spec than the stripe SDK in package-lock.json targets.
STRIPE_MOCK_VERSION="${STRIPE_MOCK_VERSION:-v0.203.0}"
BIN="$TOOLS/bin/stripe-mock"

if [ -x "$BIN" ]; then
  echo "    stripe-mock present ($BIN)"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "install-stripe-mock: Go is required (go install github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION)" >&2
  exit 1
fi
mkdir -p "$TOOLS/bin"
# The build log is kept only on failure: the usual `go: downloading ...` chatter is noise.
log="$TOOLS/stripe-mock-install.log"
if ! GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
echo "    built stripe-mock $STRIPE_MOCK_VERSION ($BIN)"
