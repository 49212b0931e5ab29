#!/usr/bin/env bash
# health-check.sh URL EXPECTED_DIGEST: GET URL (the app's /api/health) until it answers
# application/health+json with status "pass" and releaseId EXPECTED_DIGEST, or the attempts
# run out. HEALTH_ATTEMPTS (default 10) and HEALTH_INTERVAL seconds (default 3) space the
# tries while a deployment settles. Prints one result line (lib.sh `result`); exit 0 passed,
# 1 failed, 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

url="${1-}"
expected="${2-}"
attempts="${HEALTH_ATTEMPTS:-10}"
interval="${HEALTH_INTERVAL:-3}"
[ -n "$url" ] || usage "usage: health-check.sh URL EXPECTED_DIGEST"
[[ "$expected" =~ ^sha256:[a-f0-9]{64}$ ]] || usage "expected digest must be sha256:<64 hex>"
[[ "$attempts" =~ ^[1-9][0-9]*$ ]] || usage "HEALTH_ATTEMPTS must be a positive integer"

body="$(mktemp)"
trap 'rm -f "$body"' EXIT

why=""
for ((n = 1; n <= attempts; n++)); do
  if meta="$(curl -sS --max-time 5 -o "$body" -w '%{http_code} %{content_type}' "$url" 2>&1)"; then
    code="${meta%% *}"
    type="${meta#* }"
    status="$(jq -r '.status // empty' "$body" 2>/dev/null || true)"
    release="$(jq -r '.releaseId // empty' "$body" 2>/dev/null || true)"
    if [[ "$type" != application/health+json* ]]; then
      why="content type is '$type', not application/health+json (HTTP $code)"
    elif [ "$status" != pass ]; then
      why="status is '$status', not pass (HTTP $code)"
    elif [ "$release" != "$expected" ]; then
      why="releaseId is '$release', not $expected"
    else
      result health passed "healthy, releaseId $expected" \
        "$(jq -cn --arg url "$url" --argjson attempts "$n" '{url: $url, attempts: $attempts}')"
      exit 0
    fi
  else
    why="no answer: $meta"
  fi
  if ((n < attempts)); then sleep "$interval"; fi
done

annotate error "health check of $url failed after $attempts attempts: $why"
result health failed "$why" "$(jq -cn --arg url "$url" --argjson attempts "$attempts" \
  '{url: $url, attempts: $attempts}')"
exit 1
