#!/bin/bash
# connected_to unlink: the backend leaves the frontend's list (scale-in, uninstall).
set -uo pipefail
url=$(ctx target instance runtime-properties url)
dir=$(ctx source instance runtime-properties dir)
if [[ -f $dir/backends ]]; then
  grep -vxF "$url" "$dir/backends" > "$dir/backends.new" || true
  mv "$dir/backends.new" "$dir/backends"
fi
ctx logger info "frontend $(ctx source instance id) no longer uses $(ctx target instance id)"
