#!/usr/bin/env bash
# Refresh the web page's vendored libraries from npm (`make vendor`): the pinned, minified
# files with their licences and versions are committed, so the page, the wheel and the image
# never need npm or a CDN. Bump a version here, run this, review the diff, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
CYTOSCAPE_VERSION=3.35.0   # the graph view (service/web/static/vendor/cytoscape)
AXE_VERSION=4.14.1         # the browser tests' accessibility check (tests/ui/vendor/axe-core)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME VERSION: unpack the package's published tarball into $work/NAME
  (cd "$work" && npm pack --silent "$1@$2" >/dev/null)
  mkdir -p "$work/$1"
  tar -xzf "$work/$1-$2.tgz" -C "$work/$1" --strip-components=1
}

fetch cytoscape "$CYTOSCAPE_VERSION"
out=service/web/static/vendor/cytoscape
rm -rf "$out" && mkdir -p "$out"
cp "$work/cytoscape/dist/cytoscape.esm.min.mjs" "$work/cytoscape/LICENSE" "$out/"
echo "cytoscape $CYTOSCAPE_VERSION (npm), dist/cytoscape.esm.min.mjs" > "$out/VERSION"

fetch axe-core "$AXE_VERSION"
out=tests/ui/vendor/axe-core
rm -rf "$out" && mkdir -p "$out"
cp "$work/axe-core/axe.min.js" "$work/axe-core/LICENSE" "$out/"
echo "axe-core $AXE_VERSION (npm), axe.min.js" > "$out/VERSION"
echo "vendored cytoscape $CYTOSCAPE_VERSION and axe-core $AXE_VERSION"
