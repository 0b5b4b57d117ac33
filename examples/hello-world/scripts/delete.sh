#!/usr/bin/env bash
# Removes the site's directory.
set -euo pipefail
dir="$(ctx instance runtime-properties site_dir)"
rm -rf "$dir"
