#!/usr/bin/env bash
# security-headers.sh OK_URL REDIRECT_URL ERROR_URL: fetches a page that answers 2xx, one
# that redirects (e.g. http:// -> https://) and one that errors (a missing page), without
# following redirects, and checks each response's headers:
#   Strict-Transport-Security (on https:// responses; browsers ignore it over http),
#   exactly one Content-Security-Policy, X-Content-Type-Options: nosniff, Referrer-Policy,
#   CSP frame-ancestors or X-Frame-Options, no version in Server, no X-Powered-By.
# Prints one result line (lib.sh `result`) with the problems per page; exit 0 passed,
# 1 failed, 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$#" -eq 3 ] || usage "usage: security-headers.sh OK_URL REDIRECT_URL ERROR_URL"
ca=()
if [ -n "${TLS_CA_FILE:-}" ]; then ca=(--cacert "$TLS_CA_FILE"); fi
headers="$(mktemp)"
trap 'rm -f "$headers"' EXIT

# problems KIND URL: the problems of one response as a JSON array (empty when none).
problems() {
  local kind="$1" url="$2" code
  if ! code="$(curl -sS --max-time 10 "${ca[@]}" -o /dev/null -D "$headers" -w '%{http_code}' "$url" 2>&1)"; then
    jq -cn --arg e "no answer: $code" '[$e]'
    return
  fi
  # Header names are case-insensitive: lower-case them, drop the CRs.
  tr -d '\r' <"$headers" | jq -Rn --arg kind "$kind" --arg url "$url" --argjson code "$code" '
    [inputs | select(test("^[A-Za-z0-9-]+:")) | capture("^(?<k>[^:]+):\\s*(?<v>.*)$")
      | .k |= ascii_downcase] as $h
    | def all(k): [$h[] | select(.k == k) | .v];
    def has(k): (all(k) | length) > 0;
    [
      (if $kind == "ok" and ($code < 200 or $code > 299) then "expected a 2xx status, got \($code)"
       elif $kind == "redirect" and ($code < 300 or $code > 399) then "expected a 3xx status, got \($code)"
       elif $kind == "error" and $code < 400 then "expected a 4xx or 5xx status, got \($code)"
       else empty end),
      (if ($url | startswith("https://")) and (has("strict-transport-security") | not)
       then "no Strict-Transport-Security" else empty end),
      (all("content-security-policy") | length | if . != 1
       then "\(.) Content-Security-Policy headers, expected exactly one" else empty end),
      (if (all("x-content-type-options") != ["nosniff"])
       then "X-Content-Type-Options is not nosniff" else empty end),
      (if has("referrer-policy") | not then "no Referrer-Policy" else empty end),
      (if ((all("content-security-policy") | map(test("frame-ancestors")) | any)
           or has("x-frame-options")) | not
       then "neither CSP frame-ancestors nor X-Frame-Options" else empty end),
      (all("server")[] | select(test("[0-9]")) | "Server header names a version: \(.)"),
      (if has("x-powered-by") then "X-Powered-By is sent" else empty end)
    ]'
}

report="$(jq -cn \
  --arg okUrl "$1" --argjson ok "$(problems ok "$1")" \
  --arg redirectUrl "$2" --argjson redirect "$(problems redirect "$2")" \
  --arg errorUrl "$3" --argjson error "$(problems error "$3")" \
  '{pages: [
     {page: "ok", url: $okUrl, problems: $ok},
     {page: "redirect", url: $redirectUrl, problems: $redirect},
     {page: "error", url: $errorUrl, problems: $error}]}')"

if jq -e 'all(.pages[]; .problems == [])' <<<"$report" >/dev/null; then
  result headers passed "security headers present on a 2xx, a redirect and an error page" "$report"
  exit 0
fi
message="$(jq -r '[.pages[] | select(.problems != []) | "\(.page) (\(.url)): \(.problems | join("; "))"] | join(" | ")' <<<"$report")"
annotate error "security headers: $message"
result headers failed "$message" "$report"
exit 1
