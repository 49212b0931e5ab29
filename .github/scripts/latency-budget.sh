#!/usr/bin/env bash
# latency-budget.sh URL [REQUESTS]: REQUESTS (default 50, at least 50) sequential GETs of URL,
# each on a new connection as a visitor's would be. Reports p50/p95/p99 (nearest rank, ms)
# and the error rate (no answer, or a status outside 2xx/3xx). Fails when p95 is over
# LATENCY_P95_MS (default 500) or the error rate over LATENCY_MAX_ERROR_RATE (default 0.01).
# Prints one result line (lib.sh `result`); exit 0 passed, 1 failed, 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

url="${1-}"
requests="${2:-50}"
budget="${LATENCY_P95_MS:-500}"
max_error_rate="${LATENCY_MAX_ERROR_RATE:-0.01}"
[ -n "$url" ] || usage "usage: latency-budget.sh URL [REQUESTS]"
if ! [[ "$requests" =~ ^[0-9]+$ ]] || ((requests < 50)); then
  usage "REQUESTS must be a number of at least 50 (percentiles from fewer mean little)"
fi
[[ "$budget" =~ ^[0-9]+$ ]] || usage "LATENCY_P95_MS must be a whole number of milliseconds"
[[ "$max_error_rate" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] ||
  usage "LATENCY_MAX_ERROR_RATE must be a fraction between 0 and 1"

samples=()
for ((n = 0; n < requests; n++)); do
  # curl prints "000 <time>" when there was no answer; its exit code is in the sample.
  line="$(curl -s -o /dev/null --max-time 10 -w '%{http_code} %{time_total}' "$url" || true)"
  samples+=("${line:-000 10}")
done

stats="$(printf '%s\n' "${samples[@]}" | jq -Rn \
  --argjson budget "$budget" --argjson maxErrorRate "$max_error_rate" '
  [inputs | split(" ") | {code: (.[0] | tonumber), ms: ((.[1] | tonumber) * 1000)}] as $s
  | ($s | map(.ms) | sort) as $ms
  | ($ms | length) as $n
  # nearest rank: the smallest sample at or above p percent of them
  | def pct(p): $ms[([((p * $n / 100) | ceil), 1] | max) - 1] | . * 10 | round / 10;
  {
    requests: $n,
    p50: pct(50), p95: pct(95), p99: pct(99),
    errorRate: (($s | map(select(.code < 200 or .code >= 400)) | length) / $n),
    budgetP95: $budget, maxErrorRate: $maxErrorRate
  }')"

message="$(jq -r '"p50 \(.p50) ms, p95 \(.p95) ms, p99 \(.p99) ms over \(.requests) requests, error rate \(.errorRate * 100)% (budget: p95 <= \(.budgetP95) ms, errors <= \(.maxErrorRate * 100)%)"' <<<"$stats")"
if jq -e '.p95 <= .budgetP95 and .errorRate <= .maxErrorRate' <<<"$stats" >/dev/null; then
  result latency passed "$message" "$stats"
  exit 0
fi
annotate error "latency budget of $url missed: $message"
result latency failed "$message" "$stats"
exit 1
