#!/usr/bin/env bash
# Writes the site's page into a directory of its own and remembers where it is.
set -euo pipefail
dir="${TMPDIR:-/tmp}/cairn-hello-world/$(ctx instance id)"
mkdir -p "$dir"
printf '<!doctype html><title>Cairn</title><h1>%s</h1><p>instance %s</p>\n' \
  "${greeting:-Hello}" "$(ctx instance id)" > "$dir/index.html"
ctx instance runtime-properties site_dir "$dir"
