# Sourced by the start scripts: start_server ROLE ARG PORT starts scripts/server.js in a session
# of its own (so that it outlives the operation), records pid, port and url, and waits until it
# answers.
start_server() {
  local role=$1 arg=$2 port=$3
  local dir
  dir=$(ctx instance runtime-properties dir)
  local server
  server=$(ctx download-resource scripts/server.js "@{\"target_path\": \"$dir/server.js\"}")
  setsid node "$server" "$role" "$arg" "$port" > "$dir/server.log" 2>&1 < /dev/null &
  local pid=$!
  ctx instance runtime-properties pid "@$pid"
  ctx instance runtime-properties port "@$port"
  ctx instance runtime-properties url "http://127.0.0.1:$port/"
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      ctx logger info "$role listening on http://127.0.0.1:$port/"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the $role on port $port stopped: $(cat "$dir/server.log")" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "the $role on port $port did not answer within 5 s (is the port taken?)" >&2
  return 1
}
