#!/usr/bin/env bash
# Fetch Swagger UI from the npm registry into static/swagger-ui/ (the API docs at /api/v1/docs).
# The result is committed (minified files with their licence), so the docs page never loads a CDN.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/static/swagger-ui"
PACKAGE=swagger-ui-dist@5.35.0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "$PACKAGE" >/dev/null
mkdir -p pkg && tar -xzf ./*.tgz -C pkg --strip-components=1
mkdir -p "$OUT"
cp pkg/swagger-ui-bundle.js pkg/swagger-ui.css pkg/favicon-32x32.png pkg/LICENSE "$OUT/"
cp pkg/NOTICE "$OUT/" 2>/dev/null || true
echo "$PACKAGE" > "$OUT/VERSION"
echo "vendored: $PACKAGE"
