#!/bin/bash
# Stops the instance's server, if it runs (backends and the frontend alike).
set -uo pipefail
pid=$(ctx instance runtime-properties pid 2>/dev/null)
if [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2>/dev/null; then
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  ctx logger info "stopped pid $pid"
fi
ctx instance runtime-properties pid @null
