# shellcheck shell=bash
# Helpers sourced by the scripts in this folder (bash, jq and curl are on every runner).

# annotate LEVEL MESSAGE: a workflow command (error, warning or notice) on stderr. The message
# is escaped as GitHub requires, so no value inside it can start a command of its own.
annotate() {
  local msg="$2"
  msg="${msg//'%'/%25}"
  msg="${msg//$'\r'/%0D}"
  msg="${msg//$'\n'/%0A}"
  echo "::$1::$msg" >&2
}

# usage MESSAGE: an error annotation, then exit 2 (bad input, as the CLI's exit codes).
usage() {
  annotate error "$1"
  exit 2
}

# result CHECK RESULT MESSAGE [JSON]: one check's result as a JSON line on stdout:
# {"check", "result": passed|warning|failed, "message", ...JSON's fields}.
result() {
  jq -cn --arg check "$1" --arg result "$2" --arg message "$3" --argjson extra "${4:-"{}"}" \
    '{check: $check, result: $result, message: $message} + $extra'
}

# cli ARGS...: runs oci-promote (OCI_PROMOTE names another executable, e.g. in tests).
cli() {
  "${OCI_PROMOTE:-oci-promote}" "$@"
}
