#!/bin/bash
# Writes the site's page into a folder of its own. `greeting` is an input of the operation:
# the script plugin exports inputs as environment variables.
set -euo pipefail

id=$(ctx instance id)
dir="${CAIRN_HELLO_DIR:-${TMPDIR:-/tmp}/cairn-hello-world}/$id"
mkdir -p "$dir"

text=${greeting:-Hello}
text=${text//&/&amp;}
text=${text//</&lt;}
text=${text//>/&gt;}
printf '<!doctype html><title>Cairn</title><h1>%s</h1>\n<p>node instance %s</p>\n' \
  "$text" "$id" > "$dir/index.html"

ctx instance runtime-properties site_dir "$dir"
ctx logger info "wrote $dir/index.html"
