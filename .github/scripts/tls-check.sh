#!/usr/bin/env bash
# tls-check.sh HOST [PORT]: connects with SNI HOST and checks what a browser would: the chain
# verifies to a trusted root, the certificate names HOST, and it does not expire soon
# (warning under TLS_WARN_DAYS, default 30; failed under TLS_FAIL_DAYS, default 14).
# TLS_CA_FILE trusts an extra root (a self-signed staging CA); TLS_CONNECT dials another
# address than HOST (e.g. 127.0.0.1) while still asking for HOST.
# Prints one result line (lib.sh `result`); exit 0 passed or warning, 1 failed, 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

host="${1-}"
port="${2:-443}"
warn_days="${TLS_WARN_DAYS:-30}"
fail_days="${TLS_FAIL_DAYS:-14}"
[[ "$host" =~ ^[A-Za-z0-9.-]+$ ]] || usage "usage: tls-check.sh HOST [PORT] (HOST a DNS name)"
[[ "$port" =~ ^[0-9]+$ ]] || usage "PORT must be a number"
[[ "$warn_days$fail_days" =~ ^[0-9]+$ ]] || usage "TLS_WARN_DAYS and TLS_FAIL_DAYS must be numbers"

ca=()
if [ -n "${TLS_CA_FILE:-}" ]; then ca=(-CAfile "$TLS_CA_FILE"); fi
out="$(mktemp)"
trap 'rm -f "$out"' EXIT

details() {
  jq -cn --arg host "$host" --argjson port "$port" --arg notAfter "${not_after:-}" \
    --argjson chain "${chain:-0}" --argjson daysLeft "${days_left:-null}" \
    '{host: $host, port: $port, chain: $chain, notAfter: $notAfter, daysLeft: $daysLeft}'
}
failed() {
  annotate error "TLS check of $host:$port failed: $1"
  result tls failed "$1" "$(details)"
  exit 1
}

if ! timeout 20 openssl s_client -connect "${TLS_CONNECT:-$host}:$port" -servername "$host" \
  -verify_hostname "$host" -verify_return_error -showcerts "${ca[@]}" </dev/null >"$out" 2>&1; then
  failed "handshake or verification failed: $(grep -m1 -iE 'verify error|error' "$out" || echo 'no TLS answer')"
fi
grep -q 'Verify return code: 0 (ok)' "$out" || failed "the chain did not verify"
chain="$(grep -c 'BEGIN CERTIFICATE' "$out" || true)"
not_after="$(openssl x509 -noout -enddate <"$out" | cut -d= -f2)"
days_left="$((($(date -d "$not_after" +%s) - $(date +%s)) / 86400))"

if ! openssl x509 -noout -checkend "$((fail_days * 86400))" <"$out" >/dev/null; then
  failed "the certificate expires in $days_left days ($not_after), under $fail_days"
fi
if ! openssl x509 -noout -checkend "$((warn_days * 86400))" <"$out" >/dev/null; then
  annotate warning "the certificate of $host expires in $days_left days ($not_after): renew it"
  result tls warning "expires in $days_left days ($not_after), under $warn_days" "$(details)"
  exit 0
fi
result tls passed "chain of $chain verified for $host, expires in $days_left days" "$(details)"
