#!/usr/bin/env bash
# notify.sh TEXT: POSTs {"text": TEXT} (Slack-compatible) to NOTIFY_WEBHOOK_URL. No URL: does
# nothing. A notification never fails the job: no answer in 10 s, a redirect (not followed)
# or a non-2xx status is a warning naming only the URL's origin (its path holds the secret).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

text="${1-}"
[ -n "$text" ] || usage "usage: notify.sh TEXT"
url="${NOTIFY_WEBHOOK_URL:-}"
if [ -z "$url" ]; then
  echo "notify: no NOTIFY_WEBHOOK_URL, no notification" >&2
  exit 0
fi
origin="$(sed -E 's#^([a-zA-Z]+://[^/]+).*#\1#' <<<"$url")"
# The URL goes to curl on stdin (a config line), not on its command line.
status="$(jq -cn --arg text "$text" '{text: $text}' |
  curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data-binary @- \
    --config <(printf 'url = "%s"\n' "${url//\"/\\\"}") 2>/dev/null || true)"
status="${status:-000}"
if [[ "$status" =~ ^2[0-9][0-9]$ ]]; then
  echo "notify: delivered to $origin" >&2
else
  annotate warning "notification to $origin not delivered (HTTP $status)"
fi
