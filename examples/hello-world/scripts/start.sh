#!/bin/bash
# Serves the page on the node's port plus the instance's index (1 → port, 2 → port + 1), in a
# process of its own session so that it outlives this operation, and waits until it answers.
set -euo pipefail

dir=$(ctx instance runtime-properties site_dir)
port=$(( $(ctx node properties port) + $(ctx instance index) - 1 ))
server=$(ctx download-resource scripts/serve.js "@{\"target_path\": \"$dir/serve.js\"}")

setsid node "$server" "$dir" "$port" > "$dir/server.log" 2>&1 < /dev/null &
pid=$!
ctx instance runtime-properties pid "@$pid"
ctx instance runtime-properties port "@$port"
ctx instance runtime-properties url "http://127.0.0.1:$port/"

for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    ctx logger info "serving $dir on http://127.0.0.1:$port/"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the server on port $port stopped: $(cat "$dir/server.log")" >&2
    exit 1
  fi
  sleep 0.1
done
echo "the server on port $port did not answer within 5 s (is the port taken?)" >&2
exit 1
