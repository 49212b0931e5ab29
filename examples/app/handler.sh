#!/bin/sh
# Answers one HTTP request on stdin/stdout (started per connection by `busybox nc -ll -e`).
#   GET /api/health   application/health+json (503 when failing): status (APP_HEALTH_STATUS,
#                     default pass), releaseId (IMAGE_DIGEST, the digest the deployment
#                     passed in), version
#   GET /api/version  application/json: version (APP_VERSION) and releaseId
#   GET /             302 to /api/version; anything else 404
# Security headers (CSP, HSTS, ...) are the edge's job: nginx in front sets them once.
set -u
cr=$(printf '\r')

# Only safe characters reach the JSON (the values come from the environment).
clean() { printf '%s' "$1" | tr -cd 'A-Za-z0-9._:+-'; }

IFS=' ' read -r method target _ || exit 0
# Read the headers to the blank line, so the client sees no reset.
while IFS= read -r line; do
  line=${line%"$cr"}
  [ -z "$line" ] && break
done

respond() { # STATUS CONTENT-TYPE BODY [LOCATION]
  printf 'HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %s\r\n' "$1" "$2" "${#3}"
  printf 'Cache-Control: no-store\r\nConnection: close\r\n'
  if [ -n "${4:-}" ]; then printf 'Location: %s\r\n' "$4"; fi
  printf '\r\n'
  if [ "$method" != HEAD ]; then printf '%s' "$3"; fi
}

release=$(clean "${IMAGE_DIGEST:-unknown}")
version=$(clean "${APP_VERSION:-0.0.0-dev}")
status=$(clean "${APP_HEALTH_STATUS:-pass}")

case "$method" in
  GET | HEAD) ;;
  *)
    respond '405 Method Not Allowed' 'text/plain' "method not allowed
"
    exit 0
    ;;
esac

case "${target%%\?*}" in
  /api/health)
    code='200 OK'
    if [ "$status" = fail ]; then code='503 Service Unavailable'; fi
    respond "$code" 'application/health+json' \
      "{\"status\":\"$status\",\"releaseId\":\"$release\",\"version\":\"$version\"}"
    ;;
  /api/version)
    respond '200 OK' 'application/json' "{\"version\":\"$version\",\"releaseId\":\"$release\"}"
    ;;
  /)
    respond '302 Found' 'text/plain' "see /api/version
" /api/version
    ;;
  *)
    respond '404 Not Found' 'text/plain' "not found
"
    ;;
esac
