#!/usr/bin/env bash
# Fetch the dashboard's front-end libraries from the npm registry into static/vendor/ (`make dashboard-vendor`).
# The result is committed (minified files with their licences), so a build or test never needs the network.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/static/vendor"
PACKAGES=(echarts@6.0.0 leaflet@1.9.4 leaflet.markercluster@1.5.3 leaflet.heat@0.2.0)
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "${PACKAGES[@]}" >/dev/null
for tgz in *.tgz; do
  name="${tgz%-*.tgz}"
  mkdir -p "$name" && tar -xzf "$tgz" -C "$name" --strip-components=1
done
mkdir -p "$OUT/echarts" "$OUT/leaflet/images" "$OUT/leaflet.markercluster" "$OUT/leaflet.heat"
cp echarts/dist/echarts.min.js echarts/LICENSE echarts/NOTICE "$OUT/echarts/"
cp leaflet/dist/leaflet.js leaflet/dist/leaflet.css leaflet/LICENSE "$OUT/leaflet/"
cp leaflet/dist/images/*.png "$OUT/leaflet/images/"
cp leaflet.markercluster/dist/leaflet.markercluster.js leaflet.markercluster/dist/MarkerCluster.css \
   leaflet.markercluster/dist/MarkerCluster.Default.css "$OUT/leaflet.markercluster/"
cp leaflet.markercluster/MIT-LICENCE.txt "$OUT/leaflet.markercluster/LICENSE" 2>/dev/null || \
  cp leaflet.markercluster/LICENSE* "$OUT/leaflet.markercluster/" 2>/dev/null || true
cp leaflet.heat/dist/leaflet-heat.js "$OUT/leaflet.heat/"
cp leaflet.heat/LICENSE* "$OUT/leaflet.heat/" 2>/dev/null || true
printf '%s\n' "${PACKAGES[@]}" > "$OUT/VERSIONS"
echo "vendored: ${PACKAGES[*]}"
