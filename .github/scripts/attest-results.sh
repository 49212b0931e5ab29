#!/usr/bin/env bash
# attest-results.sh STAGE IMAGE VERIFICATION_JSON: records the verification verify-site.sh
# wrote as stage evidence: `oci-promote attest IMAGE --stage STAGE --result passed|failed`
# with one `--check NAME=passed|failed` per check (a warning passes), the file as
# `--details` and a one-line `--summary`. Exit code: the CLI's; 2 for bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

stage="${1-}"
image="${2-}"
file="${3-}"
[[ "$stage" =~ ^[a-z0-9][a-z0-9._-]{0,63}$ ]] || usage "usage: attest-results.sh STAGE IMAGE VERIFICATION_JSON (STAGE like staging)"
[[ "$image" == *@sha256:* ]] || usage "IMAGE must name a digest (host/path@sha256:...), got '$image'"
jq -e '(.result | IN("passed", "failed")) and (.checks | type == "array")' "$file" >/dev/null 2>&1 ||
  usage "$file is not a verification result (verify-site.sh writes one)"

args=(attest "$image" --stage "$stage" --result "$(jq -r .result "$file")")
while IFS= read -r check; do
  args+=(--check "$check")
done < <(jq -r '.checks[] | "\(.check)=\(if .result == "failed" then "failed" else "passed" end)"' "$file")
args+=(--details "$file" --summary "$(jq -r '[.checks[] | "\(.check) \(.result)"] | join(", ")' "$file")")
cli "${args[@]}"
