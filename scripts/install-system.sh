#!/usr/bin/env bash
# Debian packages the server needs at run time; idempotent.
# ffprobe (from ffmpeg) checks every uploaded video by its structure; without it videos are refused.
set -euo pipefail
if command -v ffprobe >/dev/null; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null || {
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null; }
ffprobe -version | head -1
