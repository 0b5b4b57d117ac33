#!/usr/bin/env bash
# Stops the site's server, if it runs.
set -euo pipefail
dir="$(ctx instance runtime-properties site_dir)"
if [ -f "$dir/server.pid" ]; then
  kill "$(cat "$dir/server.pid")" 2>/dev/null || true
  rm -f "$dir/server.pid"
fi
