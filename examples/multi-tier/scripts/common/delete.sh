#!/bin/bash
# Removes the instance's folder.
set -uo pipefail
dir=$(ctx instance runtime-properties dir 2>/dev/null)
[[ -n $dir && -d $dir ]] && rm -rf -- "$dir"
ctx instance runtime-properties dir @null
