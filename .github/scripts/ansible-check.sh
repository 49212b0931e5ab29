#!/usr/bin/env bash
# ansible-check.sh INVENTORY: the inventory parses (`ansible-inventory --list`) and every
# host in it answers (`ansible all -m ping`). Prints one result line per check (lib.sh
# `result`); exit 0 both passed, 1 one failed, 2 bad input.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

inventory="${1-}"
[ -n "$inventory" ] || usage "usage: ansible-check.sh INVENTORY"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

if ! ansible-inventory -i "$inventory" --list >"$log" 2>&1 ||
  ! hosts="$(jq -r '[.. | objects | .hosts? // empty | .[]] | unique | length' "$log" 2>/dev/null)" ||
  [ "$hosts" -eq 0 ]; then
  annotate error "the inventory $inventory does not parse or names no host"
  result inventory failed "$inventory does not parse or names no host"
  result reachable failed "not tried: no inventory"
  exit 1
fi
result inventory passed "$inventory parses: $hosts host(s)"

if ansible all -i "$inventory" -m ping -o >"$log" 2>&1; then
  result reachable passed "all $hosts host(s) answered ping"
  exit 0
fi
down="$(grep -vE '\| SUCCESS' "$log" | cut -d' ' -f1 | sort -u | paste -sd' ' -)"
annotate error "hosts not reachable: $down"
result reachable failed "not reachable: $down"
exit 1
