#!/usr/bin/env bash
# image-ready.sh REPOSITORY DIGEST: may REPOSITORY@DIGEST go to production servers?
#   complete  `oci-promote verify --deep --digest`: every manifest and blob is there
#   not held  `oci-promote status REPOSITORY@DIGEST --json`: .held is false (.holds[] says
#             who held it, when and why)
#   no freeze the same document: .freeze is null (an expired freeze is not listed)
# Prints one result line per check (lib.sh `result`); exit 0 all passed, 1 one failed,
# 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

repo="${1-}"
digest="${2-}"
[[ "$repo" =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$ ]] || usage "usage: image-ready.sh REPOSITORY DIGEST (REPOSITORY host/path, no tag)"
[[ "$digest" =~ ^sha256:[a-f0-9]{64}$ ]] || usage "DIGEST must be sha256:<64 hex>"
ref="$repo@$digest"
ok=1

# The CLI's stderr ends with one line saying what failed; its stdout is not needed.
if err="$(cli verify "$ref" --deep --digest "$digest" 2>&1 >/dev/null)"; then
  result complete passed "$ref is complete"
else
  ok=0
  err="$(tail -n 1 <<<"$err")"
  annotate error "$ref is not complete in the registry: $err"
  result complete failed "$err"
fi

if status="$(cli status "$ref" --json 2>/dev/null)" &&
  jq -e 'type == "object" and (.held | type == "boolean")' <<<"$status" >/dev/null 2>&1; then
  hold="$(jq -c --arg d "$digest" '[.holds[]? | select(.digest == $d)] | first // {}' <<<"$status")"
  if jq -e '.held == false' <<<"$status" >/dev/null && [ "$hold" = "{}" ]; then
    result hold passed "$digest is not held"
  else
    ok=0
    why="$(jq -r '"held by \(.actor // "?") at \(.time // "?"): \(.reason // "no reason")"' <<<"$hold")"
    annotate error "$ref is held ($why): release it with oci-promote release, or deploy another digest"
    result hold failed "$why" "$(jq -cn --argjson h "$hold" '{hold: $h}')"
  fi
  freeze="$(jq -c '.freeze // empty' <<<"$status")"
  if [ -z "$freeze" ]; then
    result freeze passed "$repo is not frozen"
  else
    ok=0
    why="$(jq -r '"frozen by \(.actor // "?") until \(.until // "unfreeze"): \(.reason // "no reason")"' <<<"$freeze")"
    annotate error "$repo is frozen ($why)"
    result freeze failed "$why" "$(jq -cn --argjson f "$freeze" '{freeze: $f}')"
  fi
else
  ok=0
  annotate error "oci-promote status $ref --json failed or gave no held field: holds and freeze are unknown"
  result hold failed "oci-promote status failed"
  result freeze failed "oci-promote status failed"
fi
[ "$ok" -eq 1 ]
