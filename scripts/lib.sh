# Shared by the project's shell scripts: where tools live and how to put them on PATH.
# Everything installed goes under .tools/ (git-ignored), so a fresh clone installs and a second run reuses.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_DIR="$TOOLS/node24/package/bin"
export PATH="$NODE_DIR:$TOOLS/bin:$ROOT/node_modules/.bin:$PATH"
# npm's own deprecation chatter about a machine-level config key is noise in our output.
export npm_config_loglevel="${npm_config_loglevel:-error}"

node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
