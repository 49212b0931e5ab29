#!/usr/bin/env bash
# check-digest.sh DIGEST: exits 0 when DIGEST is sha256:<64 lowercase hex>, else an error
# annotation and exit 2. Every workflow_dispatch digest input goes through it first.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

digest="${1-}"
if [[ "$digest" =~ ^sha256:[a-f0-9]{64}$ ]]; then
  exit 0
fi
usage "digest must match ^sha256:[a-f0-9]{64}\$ (got ${#digest} characters: '$digest')"
