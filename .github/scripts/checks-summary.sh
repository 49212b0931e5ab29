#!/usr/bin/env bash
# checks-summary.sh CHECKS_JSONL TITLE: the result lines in CHECKS_JSONL (lib.sh `result`) as
# a Markdown table under a TITLE heading, on stdout and appended to $GITHUB_STEP_SUMMARY when
# set. Exit 0 when no check failed (warnings pass), 1 when one did or there are none.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ "$#" -ne 2 ] || [ ! -f "$1" ]; then usage "usage: checks-summary.sh CHECKS_JSONL TITLE"; fi
verdict="$(jq -rs 'if length == 0 then "failed (no checks ran)"
  elif any(.[]; .result == "failed") then "failed" else "passed" end' "$1")"
table="$(jq -rs --arg title "$2" --arg verdict "$verdict" '
  "### \($title): \($verdict)\n", "| check | result | details |", "| --- | --- | --- |",
  (.[] | "| \(.check) | \({passed: "✅ passed", warning: "⚠️ warning", failed: "❌ failed"}[.result] // .result) | \(.message | gsub("\\|"; "\\|") | gsub("\n"; " ")) |")' "$1")"
printf '%s\n' "$table"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '%s\n\n' "$table" >>"$GITHUB_STEP_SUMMARY"; fi
[ "$verdict" = passed ]
