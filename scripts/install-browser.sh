#!/usr/bin/env bash
# Debian's chromium (and fonts with Vietnamese glyphs) for the browser tests; idempotent.
# Playwright drives this system browser: `playwright install` (a downloaded browser build) is never used.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-core >/dev/null
/usr/bin/chromium --version
