#!/usr/bin/env bash
# verify-site.sh SITE_URL EXPECTED_DIGEST OUT_DIR [CHECK...]: runs the checks against a
# deployed site and writes OUT_DIR/verification.json ({result, site, digest, checks: [...]})
# and OUT_DIR/summary.md (checks-summary.sh's table; also appended to $GITHUB_STEP_SUMMARY).
# CHECKs (default all): health (health-check.sh), latency (latency-budget.sh, LATENCY_REQUESTS
# default 50), tls (tls-check.sh, https only), headers (security-headers.sh: /api/health,
# the http:// -> https:// redirect (the app's / redirect over http), a missing page).
# Exit 0 when no check failed (warnings pass), 1 when one did, 2 bad input.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=lib.sh
. "$here/lib.sh"

[ "$#" -ge 3 ] || usage "usage: verify-site.sh SITE_URL EXPECTED_DIGEST OUT_DIR [CHECK...]"
site="${1%/}"
digest="$2"
out="$3"
shift 3
checks=("$@")
if [ "${#checks[@]}" -eq 0 ]; then checks=(health latency tls headers); fi
[[ "$site" =~ ^(https?)://([A-Za-z0-9.-]+)(:([0-9]+))?$ ]] ||
  usage "SITE_URL must be http(s)://host[:port], got '$site'"
scheme="${BASH_REMATCH[1]}"
host="${BASH_REMATCH[2]}"
port="${BASH_REMATCH[4]}"
[[ "$digest" =~ ^sha256:[a-f0-9]{64}$ ]] || usage "EXPECTED_DIGEST must be sha256:<64 hex>"
mkdir -p "$out"

lines="$out/checks.jsonl"
: >"$lines"
for check in "${checks[@]}"; do
  case "$check" in
    health) "$here/health-check.sh" "$site/api/health" "$digest" >>"$lines" || true ;;
    latency) "$here/latency-budget.sh" "$site/api/health" "${LATENCY_REQUESTS:-50}" >>"$lines" || true ;;
    tls)
      if [ "$scheme" != https ]; then
        result tls failed "$site is not https"
      else
        "$here/tls-check.sh" "$host" "${port:-443}" || true
      fi >>"$lines"
      ;;
    headers)
      redirect="$site/"
      if [ "$scheme" = https ]; then redirect="http://$host${HTTP_PORT:+:$HTTP_PORT}/"; fi
      "$here/security-headers.sh" "$site/api/health" "$redirect" \
        "$site/oci-promote-verification-missing-page" >>"$lines" || true
      ;;
    *) usage "unknown check '$check' (health, latency, tls, headers)" ;;
  esac
done

jq -s --arg site "$site" --arg digest "$digest" '{
  result: (if any(.[]; .result == "failed") then "failed" else "passed" end),
  site: $site, digest: $digest, checks: .}' "$lines" >"$out/verification.json"
{
  "$here/checks-summary.sh" "$lines" "Verification of $site" || true
  printf '\nExpected release %s.\n' "\`$digest\`"
} >"$out/summary.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"; fi
cat "$out/summary.md" >&2
jq -e '.result == "passed"' "$out/verification.json" >/dev/null
