#!/usr/bin/env bash
# deployment-status.sh STATE: sets the state (success, failure, in_progress, error) of this
# run's GitHub deployment: the newest deployment of GITHUB_SHA to DEPLOY_ENVIRONMENT (the
# one the job's `environment:` created), with LOG_URL and ENVIRONMENT_URL. Uses GITHUB_API_URL,
# GITHUB_REPOSITORY and GITHUB_TOKEN (`deployments: write`). A failure is a warning: the
# status is a report, the deploy's own result stands. Exit 0, or 2 for bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

state="${1-}"
[[ "$state" =~ ^(success|failure|error|in_progress|queued|pending|inactive)$ ]] ||
  usage "usage: deployment-status.sh success|failure|error|in_progress|queued|pending|inactive"
for name in GITHUB_API_URL GITHUB_REPOSITORY GITHUB_SHA GITHUB_TOKEN DEPLOY_ENVIRONMENT; do
  [ -n "${!name:-}" ] || usage "$name is not set"
done

api() { # METHOD PATH [BODY]: the answer on stdout; fails on a non-2xx status
  curl -sSf --max-time 20 -X "$1" "$GITHUB_API_URL/repos/$GITHUB_REPOSITORY$2" \
    -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28" \
    --config <(printf 'header = "Authorization: Bearer %s"\n' "$GITHUB_TOKEN") \
    ${3:+-H "Content-Type: application/json" --data-binary "$3"}
}

query="sha=$GITHUB_SHA&environment=$(jq -rn --arg e "$DEPLOY_ENVIRONMENT" '$e | @uri')&per_page=1"
if ! id="$(api GET "/deployments?$query" | jq -er '.[0].id')"; then
  annotate warning "no $DEPLOY_ENVIRONMENT deployment of $GITHUB_SHA found: no deployment status written"
  exit 0
fi
body="$(jq -cn --arg state "$state" --arg log "${LOG_URL:-}" --arg env "${ENVIRONMENT_URL:-}" \
  --arg d "${DESCRIPTION:-}" '{state: $state, auto_inactive: true}
  + (if $log != "" then {log_url: $log} else {} end)
  + (if $env != "" then {environment_url: $env} else {} end)
  + (if $d != "" then {description: ($d | .[0:140])} else {} end)')"
if api POST "/deployments/$id/statuses" "$body" >/dev/null; then
  echo "deployment-status: deployment $id is $state" >&2
else
  annotate warning "could not set deployment $id to $state"
fi
