# Sourced by the create scripts: a folder of the instance's own, recorded as `dir`.
make_dir() {
  local dir="${CAIRN_EXAMPLE_DIR:-${TMPDIR:-/tmp}/cairn-multi-tier}/$(ctx instance id)"
  mkdir -p "$dir"
  ctx instance runtime-properties dir "$dir"
}
