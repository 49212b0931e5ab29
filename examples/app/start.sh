#!/bin/sh
# Serves the app on PORT (default 8080): busybox nc forks handler.sh for each connection.
exec busybox nc -ll -p "${PORT:-8080}" -e "$(dirname "$0")/handler.sh"
