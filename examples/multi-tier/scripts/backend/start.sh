#!/bin/bash
# Backend n listens on base_port + n (`base_port` is an input of this operation).
set -euo pipefail
. "$(ctx download-resource scripts/common/start-server.sh)"
start_server backend "$(ctx instance id)" $(( base_port + $(ctx instance index) ))
