#!/usr/bin/env bash
# setup-ssh.sh: writes the deploy key (DEPLOY_SSH_KEY) and the pinned host keys
# (SSH_KNOWN_HOSTS) to ~/.ssh for Ansible, owner-only. Host keys are required: no
# trust-on-first-use in a deployment. Exit 0 done, 2 a value missing.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${DEPLOY_SSH_KEY:-}" ] || usage "DEPLOY_SSH_KEY (secret) is not set"
[ -n "${SSH_KNOWN_HOSTS:-}" ] || usage "SSH_KNOWN_HOSTS (variable: ssh-keyscan output, checked) is not set"
umask 077
mkdir -p "$HOME/.ssh"
printf '%s\n' "$DEPLOY_SSH_KEY" >"$HOME/.ssh/id_deploy"
printf '%s\n' "$SSH_KNOWN_HOSTS" >"$HOME/.ssh/known_hosts"
cat >"$HOME/.ssh/config" <<'CONFIG'
Host *
  IdentityFile ~/.ssh/id_deploy
  IdentitiesOnly yes
  StrictHostKeyChecking yes
CONFIG
echo "setup-ssh: key and $(wc -l <"$HOME/.ssh/known_hosts") known host line(s) in ~/.ssh" >&2
