#!/bin/bash
set -euo pipefail
. "$(ctx download-resource scripts/common/start-server.sh)"
start_server frontend "$(ctx instance runtime-properties dir)" "$(ctx node properties port)"
