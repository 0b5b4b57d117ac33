#!/bin/bash
# Removes the page's folder.
set -uo pipefail

dir=$(ctx instance runtime-properties site_dir 2>/dev/null)
[[ -n $dir && -d $dir ]] && rm -rf -- "$dir"
ctx instance runtime-properties site_dir @null
