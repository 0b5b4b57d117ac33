#!/bin/bash
set -euo pipefail
. "$(ctx download-resource scripts/common/make-dir.sh)"
make_dir
