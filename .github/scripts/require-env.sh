#!/usr/bin/env bash
# require-env.sh NAME...: every NAME must be a non-empty environment variable (secrets and
# variables passed in through `env:`). Names the missing ones, never a value. Prints one
# result line (lib.sh `result`); exit 0 passed, 1 failed, 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -gt 0 ] || usage "usage: require-env.sh NAME..."
missing=()
for name in "$@"; do
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || usage "not a variable name: '$name'"
  if [ -z "${!name:-}" ]; then missing+=("$name"); fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  result configuration passed "all $# required secrets and variables are set"
  exit 0
fi
list="$(printf '%s\n' "${missing[@]}" | jq -Rn '[inputs]')"
annotate error "required secrets or variables not set: ${missing[*]}"
result configuration failed "not set: ${missing[*]}" "$(jq -cn --argjson m "$list" '{missing: $m}')"
exit 1
