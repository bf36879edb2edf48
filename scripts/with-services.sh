#!/usr/bin/env bash
# Runs a command with throwaway PostgreSQL and Redis servers: starts them, exports .services/env,
# runs the command, always stops them, and exits with the command's status.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/services.sh" up || exit 69
trap '"$root/scripts/services.sh" down' EXIT INT TERM
set -a
. "$root/.services/env"
set +a
"$@"
