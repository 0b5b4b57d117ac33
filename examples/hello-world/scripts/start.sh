#!/usr/bin/env bash
# Serves the site on the node's port plus the instance index (instance 1 → port, 2 → port+1).
set -euo pipefail
dir="$(ctx instance runtime-properties site_dir)"
base="$(ctx node properties port)"
index="$(ctx instance index 2>/dev/null || echo 1)"
port=$((base + index - 1))
nohup python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dir" >"$dir/server.log" 2>&1 &
echo $! > "$dir/server.pid"
ctx instance runtime-properties port "$port"
ctx instance runtime-properties url "http://127.0.0.1:$port/"
ctx logger info "serving $dir on port $port"
