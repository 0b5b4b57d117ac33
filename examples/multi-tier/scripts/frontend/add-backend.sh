#!/bin/bash
# connected_to establish, on the frontend's side: the backend's URL, read from its runtime
# properties, joins the frontend's list (a file the frontend reads on each request). Each
# backend's establish runs once, also for backends added by a scale-out.
set -euo pipefail
url=$(ctx target instance runtime-properties url)
dir=$(ctx source instance runtime-properties dir)
echo "$url" >> "$dir/backends"
ctx logger info "frontend $(ctx source instance id) now uses $(ctx target instance id) at $url"
